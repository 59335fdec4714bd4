#include "daemon/handlers/status.hpp"

#include "common/core/json_fields.hpp"
#include "common/io/time_text.hpp"

namespace regcred::daemon {
namespace {

nlohmann::json provenance_json(const sync::Provenance& p) {
  return {{"source", p.source},
          {"namespace", p.namespace_},
          {"name", p.name},
          {"uid", p.uid},
          {"resourceVersion", p.resource_version}};
}

nlohmann::json sink_json(const sync::SinkStatus& st) {
  nlohmann::json j = {{"path", st.path},       {"kind", st.kind},           {"ok", st.ok},
                      {"entries", st.managed}, {"conflicts", st.conflicts}, {"writes", st.writes}};
  if (!st.error.empty()) j["error"] = st.error;
  if (st.last_write) j["lastWrite"] = io::rfc3339(*st.last_write);
  if (st.last_sync) j["lastSync"] = io::rfc3339(*st.last_sync);
  return j;
}

}  // namespace

std::string SyncProgress::waiting_list() const {
  std::string s;
  for (const auto& p : waiting)
    s += (s.empty() ? "" : ", ") + p;
  return s;
}

nlohmann::json status_json(const DaemonView& v, bool privileged) {
  const auto& view = v.store.view();
  nlohmann::json sources = nlohmann::json::array();
  for (const auto& s : v.sources)
    sources.push_back(s->status());
  nlohmann::json sinks = nlohmann::json::array();
  for (const auto& s : v.files.sinks())
    sinks.push_back(sink_json(s.status()));
  nlohmann::json registries = nlohmann::json::array();
  for (const auto& [key, e] : view.entries) {
    nlohmann::json j = {{"key", key}, {"secret", provenance_json(e.from)}};
    if (privileged) j["username"] = e.credential.username;
    nlohmann::json sh = nlohmann::json::array();
    for (const auto& p : e.shadowed)
      sh.push_back(provenance_json(p));
    j["shadowed"] = std::move(sh);
    registries.push_back(std::move(j));
  }
  nlohmann::json secrets = nlohmann::json::array();
  v.store.each_report([&](const sync::SecretReport& r, const std::vector<sync::SecretItem>& items) {
    nlohmann::json keys = nlohmann::json::array();
    for (const auto& item : items)
      keys.push_back(item.key);
    secrets.push_back({{"secret", r.from.display()},
                       {"source", provenance_json(r.from)},
                       {"status", r.rejected ? "rejected" : "synced"},
                       {"keys", std::move(keys)},
                       {"problems", r.problems}});
  });
  const auto& p = v.progress;
  nlohmann::json store = {{"secrets", v.store.secret_count()},  {"registries", view.entries.size()},
                          {"rejected", view.rejected},          {"shadowed", view.shadowed},
                          {"generation", v.store.generation()}, {"stateDir", v.config.state_dir},
                          {"ok", p.state_error.empty()}};
  if (!p.state_error.empty()) store["error"] = p.state_error;
  nlohmann::json out = {
      {"node", v.config.node_name},
      {"ready", p.ready()},
      {"synced", p.synced},
      {"waitingFor", std::vector<std::string>(p.waiting.begin(), p.waiting.end())},
      {"startedAt", io::rfc3339(p.started)},
      {"sources", std::move(sources)},
      {"sinks", std::move(sinks)},
      {"store", std::move(store)},
      {"registries", std::move(registries)},
      {"secrets", std::move(secrets)}};
  if (p.last_write) out["lastSync"] = io::rfc3339(*p.last_write);
  out["namespaceCredentials"] = v.config.namespace_credentials;
  return out;
}

kube::NodeCondition node_condition(const DaemonView& v) {
  const auto& view = v.store.view();
  if (!v.progress.ready()) {
    return {"False", "SyncPending",
            "waiting for the first full sync of " + v.progress.waiting_list()};
  }
  for (const auto& sk : v.files.sinks()) {
    if (!sk.status().ok) {
      return {"False", "CredentialFileFailed",
              "cannot write " + sk.status().path + ": " + sk.status().error};
    }
  }
  if (view.rejected > 0) {
    std::string names;
    v.store.each_report([&](const sync::SecretReport& r, const auto&) {
      if (r.rejected) names += (names.empty() ? "" : ", ") + r.from.display();
    });
    return {"False", "SecretsRejected",
            std::to_string(view.rejected) + " pull secret(s) rejected: " + names +
                " (regcredctl status)"};
  }
  if (auto failed = v.pull_tests.scheduled_failure()) {
    const auto& [image, r] = *failed;
    return {"False", "PullTestFailed",
            "pull test of " + image + ": " + core::json_value(*r, "class", "") + " (" +
                core::json_value(*r, "message", "") + ")"};
  }
  return {"True", "CredentialsSynced",
          std::to_string(v.store.secret_count()) + " pull secrets, " +
              std::to_string(view.entries.size()) + " registries in " +
              std::to_string(v.files.sinks().size()) + " files"};
}

}  // namespace regcred::daemon
