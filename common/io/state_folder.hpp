// state_folder.hpp: regcredd's state folder (0700, files 0600): its layout, the writer regcredd
// saves the store with, and the reader the helpers answer from when regcredd is down. The names
// are spelled here only; the sink record (sinks.json, sinks.journal) is daemon/sync/state.hpp's.
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

#include <cstdint>
#include <utility>
#include <vector>

#include "common/core/answer.hpp"
#include "common/core/result.hpp"
#include "common/core/store_entry.hpp"

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
  // local.json over the node-wide credentials: root's docker helper. kubelet's provider reads
  // the node-wide ones only (they hold the node-local ones when regcredd makes those node-wide).
  bool local = true;
};

// The node-wide credentials (with `filter.local`, node-local ones first), as far as `filter`
// needs them. No folder yet is an empty table.
Result<core::CredentialTable> read_table(const std::string& state_dir, const Filter& filter);

// One namespace's credentials (namespaces.json); nullopt when regcredd does not keep
// namespace-scoped credentials (no such file), an empty table when the namespace has none.
Result<std::optional<core::CredentialTable>> read_namespace_table(const std::string& state_dir,
                                                                  const std::string& ns);

// ---- the writer (regcredd) ----

using NamespaceTables = std::vector<std::pair<std::string, core::CredentialTable>>;

// What the state folder holds, copied out of the store so that it can be written away from
// regcredd's event loop.
struct Snapshot {
  std::uint64_t generation = 0;
  core::StoreEntries entries;
  std::optional<NamespaceTables> namespaces;  // with namespace-scoped credentials
};

// credentials.json: `auths` (always with `auth`) plus "x-regcred" provenance per key.
std::string render_credentials(const core::StoreEntries& entries);
// namespaces.json: {"namespaces": {ns: <credentials.json of the namespace's secrets>}}.
std::string render_namespaces(const NamespaceTables& tables);
// credentials.json, lookup.idx and (when there) namespaces.json, each replaced atomically.
Result<void> save(const std::string& state_dir, const Snapshot& snapshot);
// `name` in the state folder (made if missing) := text, atomically, 0600.
Result<void> write_state_file(const std::string& state_dir, std::string_view name,
                              const std::string& text);

// What regcredd served before it stopped (credentials.json as a table; empty when there is
// none or it does not parse): served again until its sources deliver a full state.
Result<core::CredentialTable> read_previous(const std::string& state_dir);

}  // namespace regcred::io::state_folder
