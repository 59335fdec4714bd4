// state.hpp: what the daemon keeps in its state folder (0700, files 0600):
// - credentials.json: the merged store as a docker config.json (`auths`, always with `auth`)
//   plus "x-regcred" provenance per key. The helpers read it while the daemon is down.
// - sinks.json: per sink file, the fingerprints of the entries the daemon wrote there.
#pragma once

#include <map>
#include <string>

#include "common/core/result.hpp"
#include "daemon/sync/sink.hpp"
#include "daemon/sync/store.hpp"

namespace regcred::sync {

inline constexpr std::string_view k_credentials_file = "credentials.json";
inline constexpr std::string_view k_sinks_file = "sinks.json";

std::string render_credentials(const Store::View& view);
Result<void> save_credentials(const std::string& state_dir, const Store::View& view);
// credentials.json as a table (empty when there is none or it does not parse).
Result<core::CredentialTable> load_credentials(const std::string& state_dir);

// lookup.idx: the same entries laid out for the helpers' fallback (core/lookup_index.hpp).
inline constexpr std::string_view k_lookup_file = "lookup.idx";
Result<void> save_lookup_index(const std::string& state_dir, const core::CredentialTable& table);

// namespaces.json (namespace-scoped credentials): {"namespaces": {ns: <credentials.json of the
// namespace's secrets>}}, what the provider answers from while the daemon is down.
inline constexpr std::string_view k_namespaces_file = "namespaces.json";
std::string render_namespaces(const Store& store);
Result<void> save_namespaces(const std::string& state_dir, const Store& store);

using SinkRecords = std::map<std::string, OwnedKeys>;  // sink path -> owned keys
Result<SinkRecords> load_sink_records(const std::string& state_dir);
Result<void> save_sink_records(const std::string& state_dir, const SinkRecords& records);

// Makes the state folder (0700) if needed.
Result<void> prepare_state_dir(const std::string& state_dir);

}  // namespace regcred::sync
