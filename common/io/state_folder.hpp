// state_folder.hpp: the layout of regcredd's state folder (0700, files 0600), which regcredd
// writes (daemon/sync/state.hpp) and the helpers read when regcredd is down. The names are
// spelled here only.
// - credentials.json: the merged store as a docker config.json (`auths`, always with `auth`)
//   plus "x-regcred" provenance per key;
// - lookup.idx: the same entries laid out for the helpers' lookups (core/lookup_index.hpp);
// - namespaces.json: {"namespaces": {ns: <credentials.json of that namespace's secrets>}}, with
//   namespace-scoped credentials only;
// - local.json: the node-local credentials (common/io/local_store.hpp);
// - sinks.json and sinks.journal: which entries regcredd wrote in which file.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/core/answer.hpp"
#include "common/core/result.hpp"

namespace regcred::io::state_folder {

inline constexpr std::string_view k_credentials = "credentials.json";
inline constexpr std::string_view k_lookup = "lookup.idx";
inline constexpr std::string_view k_namespaces = "namespaces.json";
inline constexpr std::string_view k_local = "local.json";
inline constexpr std::string_view k_sinks = "sinks.json";
inline constexpr std::string_view k_sinks_journal = "sinks.journal";

// What a reader will look up, so that the lookup index can skip the rest.
struct Filter {
  enum Kind { all, registry, image } kind = all;
  std::string value;  // the registry or the image
};

// The node-wide credentials (node-local ones first), as far as `filter` needs them. No folder
// yet is an empty table.
Result<core::CredentialTable> read_table(const std::string& state_dir, const Filter& filter);

// One namespace's credentials (namespaces.json); nullopt when regcredd does not keep
// namespace-scoped credentials (no such file), an empty table when the namespace has none.
Result<std::optional<core::CredentialTable>> read_namespace_table(const std::string& state_dir,
                                                                  const std::string& ns);

}  // namespace regcred::io::state_folder
