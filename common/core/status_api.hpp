// status_api.hpp: the status socket's answers that regcredd gives and regcredctl reads, as types
// with their JSON, written once here (the requests and the helpers' answers are
// socket_api.hpp). GET /v1/status is Status; GET /v1/pulltests is PullTests. A source's status
// and a pull test's outcome keep the members of their own kind (a directory or a Kubernetes
// source; the pull-test shape the contract fixes) as JSON beside the members every one has.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/core/result.hpp"
#include "common/core/store_entry.hpp"

namespace regcred::core::status_api {

struct Source {
  std::string name;  // "dir:<folder>", "kube:<server>"
  bool synced = false;
  std::string last_error;  // "" when none
  nlohmann::json json;     // every member, the kind's own included
};

struct Sink {
  std::string path;
  std::string kind;  // "docker", "kubelet"
  bool ok = true;
  std::string error;
  std::size_t entries = 0;  // the entries regcredd keeps in it
  std::vector<std::string> conflicts;
  std::uint64_t writes = 0;
  std::optional<std::string> last_write;  // RFC 3339
  std::optional<std::string> last_sync;
};

struct StoreCounts {
  std::size_t secrets = 0;
  std::size_t registries = 0;
  std::size_t rejected = 0;
  std::size_t shadowed = 0;
  std::uint64_t generation = 0;
  std::string state_dir;
  std::string error;  // the state folder's last save; "" when it was saved
};

struct Registry {
  std::string key;
  Provenance secret;
  std::optional<std::string> username;  // for root and the socket's group only
  std::vector<Provenance> shadowed;
};

struct SecretReport {
  std::string secret;  // "namespace/name", "local"
  Provenance source;
  bool rejected = false;
  std::vector<std::string> keys;
  std::vector<std::string> problems;  // lint lines
};

// What a caller outside root and the socket's group gets instead of the lists (names, keys,
// lint lines, paths and errors are theirs only): health and counts.
struct Withheld {
  std::uint64_t sources = 0;
  std::uint64_t sources_synced = 0;
  std::uint64_t files = 0;
  std::uint64_t files_failed = 0;
};

struct Status {
  std::string version;  // set by the router on every answer
  std::string node;
  bool ready = false;
  bool synced = false;
  std::vector<std::string> waiting_for;
  std::string started_at;
  std::optional<std::string> last_sync;
  std::vector<Source> sources;
  std::vector<Sink> sinks;
  StoreCounts store;
  std::vector<Registry> registries;
  std::vector<SecretReport> secrets;
  bool namespace_credentials = false;
  std::optional<Withheld> withheld;  // set when the lists above were left empty on purpose
};
nlohmann::json to_json(const Status& s);
// Errors name the member that is missing or of the wrong type.
Result<Status> decode_status(const nlohmann::json& j);

struct PullTests {
  std::map<std::string, std::vector<nlohmann::json>> results;  // image -> outcomes, newest first
  std::vector<std::pair<long, std::string>> running;           // id, image
  std::vector<std::string> scheduled;
  std::string interval;  // "600s"
};
nlohmann::json to_json(const PullTests& p);
Result<PullTests> decode_pulltests(const nlohmann::json& j);

}  // namespace regcred::core::status_api
