#include "common/core/status_api.hpp"

#include "common/core/json_fields.hpp"

namespace regcred::core::status_api {
namespace {

using nlohmann::json;

json provenance_json(const Provenance& p) {
  json j = {{"source", p.source},
            {"namespace", p.namespace_},
            {"name", p.name},
            {"uid", p.uid},
            {"resourceVersion", p.resource_version}};
  if (!p.origin.empty()) j["origin"] = p.origin;
  return j;
}

Provenance provenance_of(const json& j) {
  return {json_value(j, "source", ""),
          json_value(j, "namespace", ""),
          json_value(j, "name", ""),
          json_value(j, "uid", ""),
          json_value(j, "resourceVersion", ""),
          json_value(j, "origin", "")};
}

std::vector<std::string> strings_of(const json& j, const char* member) {
  std::vector<std::string> out;
  auto it = j.find(member);
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& v : *it) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

std::optional<std::string> optional_text(const json& j, const char* member) {
  auto it = j.find(member);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// The array `member` of `j` (missing: empty); an error when it is something else.
Result<json> array_of(const json& j, const char* member) {
  auto it = j.find(member);
  if (it == j.end()) return json::array();
  if (!it->is_array()) {
    return fail(Code::parse_error,
                std::string("regcredd's answer: ") + member + ": expected a list");
  }
  return *it;
}

}  // namespace

json to_json(const Status& s) {
  json sources = json::array();
  for (const auto& src : s.sources)
    sources.push_back(src.json);
  json sinks = json::array();
  for (const auto& sk : s.sinks) {
    json j = {{"path", sk.path},       {"kind", sk.kind},           {"ok", sk.ok},
              {"entries", sk.entries}, {"conflicts", sk.conflicts}, {"writes", sk.writes}};
    if (!sk.error.empty()) j["error"] = sk.error;
    if (sk.last_write) j["lastWrite"] = *sk.last_write;
    if (sk.last_sync) j["lastSync"] = *sk.last_sync;
    sinks.push_back(std::move(j));
  }
  json registries = json::array();
  for (const auto& r : s.registries) {
    json j = {{"key", r.key}, {"secret", provenance_json(r.secret)}};
    if (r.username) j["username"] = *r.username;
    json sh = json::array();
    for (const auto& p : r.shadowed)
      sh.push_back(provenance_json(p));
    j["shadowed"] = std::move(sh);
    registries.push_back(std::move(j));
  }
  json secrets = json::array();
  for (const auto& r : s.secrets) {
    secrets.push_back({{"secret", r.secret},
                       {"source", provenance_json(r.source)},
                       {"status", r.rejected ? "rejected" : "synced"},
                       {"keys", r.keys},
                       {"problems", r.problems}});
  }
  json store = {{"secrets", s.store.secrets},       {"registries", s.store.registries},
                {"rejected", s.store.rejected},     {"shadowed", s.store.shadowed},
                {"generation", s.store.generation}, {"stateDir", s.store.state_dir},
                {"ok", s.store.error.empty()}};
  if (!s.store.error.empty()) store["error"] = s.store.error;
  json out = {{"node", s.node},
              {"ready", s.ready},
              {"synced", s.synced},
              {"waitingFor", s.waiting_for},
              {"startedAt", s.started_at},
              {"sources", std::move(sources)},
              {"sinks", std::move(sinks)},
              {"store", std::move(store)},
              {"registries", std::move(registries)},
              {"secrets", std::move(secrets)},
              {"namespaceCredentials", s.namespace_credentials}};
  if (s.last_sync) out["lastSync"] = *s.last_sync;
  if (s.withheld) {
    out["withheld"] = {{"sources", s.withheld->sources},
                       {"sourcesSynced", s.withheld->sources_synced},
                       {"files", s.withheld->files},
                       {"filesFailed", s.withheld->files_failed}};
  }
  return out;
}

Result<Status> decode_status(const json& j) {
  if (!j.is_object()) return fail(Code::parse_error, "regcredd's status: not a JSON object");
  Status s;
  s.version = json_value(j, "version", "");
  s.node = json_value(j, "node", "");
  s.ready = json_value(j, "ready", false);
  s.synced = json_value(j, "synced", false);
  s.waiting_for = strings_of(j, "waitingFor");
  s.started_at = json_value(j, "startedAt", "");
  s.last_sync = optional_text(j, "lastSync");
  s.namespace_credentials = json_value(j, "namespaceCredentials", false);
  if (auto w = j.find("withheld"); w != j.end() && w->is_object()) {
    s.withheld = Withheld{json_value(*w, "sources", std::uint64_t{0}),
                          json_value(*w, "sourcesSynced", std::uint64_t{0}),
                          json_value(*w, "files", std::uint64_t{0}),
                          json_value(*w, "filesFailed", std::uint64_t{0})};
  }
  REGCRED_TRY_ASSIGN(json sources, array_of(j, "sources"));
  for (const auto& src : sources) {
    s.sources.push_back({json_value(src, "name", ""), json_value(src, "synced", false),
                         json_value(src, "lastError", ""), src});
  }
  REGCRED_TRY_ASSIGN(json sinks, array_of(j, "sinks"));
  for (const auto& sk : sinks) {
    s.sinks.push_back({json_value(sk, "path", ""), json_value(sk, "kind", ""),
                       json_value(sk, "ok", true), json_value(sk, "error", ""),
                       json_value(sk, "entries", std::size_t{0}), strings_of(sk, "conflicts"),
                       json_value(sk, "writes", std::uint64_t{0}), optional_text(sk, "lastWrite"),
                       optional_text(sk, "lastSync")});
  }
  const json store = json_value(j, "store", json::object());
  s.store = {json_value(store, "secrets", std::size_t{0}),
             json_value(store, "registries", std::size_t{0}),
             json_value(store, "rejected", std::size_t{0}),
             json_value(store, "shadowed", std::size_t{0}),
             json_value(store, "generation", std::uint64_t{0}),
             json_value(store, "stateDir", ""),
             json_value(store, "error", "")};
  REGCRED_TRY_ASSIGN(json registries, array_of(j, "registries"));
  for (const auto& r : registries) {
    Registry reg{json_value(r, "key", ""),
                 provenance_of(json_value(r, "secret", json::object())),
                 optional_text(r, "username"),
                 {}};
    REGCRED_TRY_ASSIGN(json shadowed, array_of(r, "shadowed"));
    for (const auto& p : shadowed)
      reg.shadowed.push_back(provenance_of(p));
    s.registries.push_back(std::move(reg));
  }
  REGCRED_TRY_ASSIGN(json secrets, array_of(j, "secrets"));
  for (const auto& r : secrets) {
    s.secrets.push_back({json_value(r, "secret", ""),
                         provenance_of(json_value(r, "source", json::object())),
                         json_value(r, "status", "") == "rejected", strings_of(r, "keys"),
                         strings_of(r, "problems")});
  }
  return s;
}

json to_json(const PullTests& p) {
  json results = json::object();
  for (const auto& [image, list] : p.results)
    results[image] = list;
  json running = json::array();
  for (const auto& [id, image] : p.running)
    running.push_back({{"id", id}, {"image", image}});
  return {{"results", std::move(results)},
          {"running", std::move(running)},
          {"scheduled", p.scheduled},
          {"interval", p.interval}};
}

Result<PullTests> decode_pulltests(const json& j) {
  if (!j.is_object()) return fail(Code::parse_error, "regcredd's pull tests: not a JSON object");
  PullTests p;
  if (auto r = j.find("results"); r != j.end() && r->is_object()) {
    for (const auto& [image, list] : r->items()) {
      if (!list.is_array()) continue;
      p.results[image] = std::vector<json>(list.begin(), list.end());
    }
  }
  REGCRED_TRY_ASSIGN(json running, array_of(j, "running"));
  for (const auto& r : running)
    p.running.emplace_back(json_value(r, "id", 0L), json_value(r, "image", ""));
  p.scheduled = strings_of(j, "scheduled");
  p.interval = json_value(j, "interval", "");
  return p;
}

}  // namespace regcred::core::status_api
