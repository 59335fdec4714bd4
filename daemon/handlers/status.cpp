#include "daemon/handlers/status.hpp"

#include "common/core/json_fields.hpp"
#include "common/core/status_api.hpp"
#include "common/io/time_text.hpp"

namespace regcred::daemon {
namespace {

namespace status_api = core::status_api;

status_api::Sink sink_of(const sync::SinkStatus& st) {
  status_api::Sink out{st.path,      st.kind,   st.ok,        st.error,    st.managed,
                       st.conflicts, st.writes, std::nullopt, std::nullopt};
  if (st.last_write) out.last_write = io::rfc3339(*st.last_write);
  if (st.last_sync) out.last_sync = io::rfc3339(*st.last_sync);
  return out;
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
  const auto& p = v.progress;
  status_api::Status s;
  s.node = v.config.node_name;
  s.ready = p.ready();
  s.synced = p.synced;
  s.started_at = io::rfc3339(p.started);
  if (p.last_write) s.last_sync = io::rfc3339(*p.last_write);
  s.namespace_credentials = v.config.namespace_credentials;
  if (!privileged) {
    status_api::Withheld w;
    for (const auto& src : v.sources) {
      ++w.sources;
      if (core::json_value(src->status(), "synced", false)) ++w.sources_synced;
    }
    for (const auto& sk : v.files.sinks()) {
      ++w.files;
      if (!sk.status().ok) ++w.files_failed;
    }
    s.withheld = w;
    s.store = {v.store.secret_count(),
               view.entries.size(),
               view.rejected,
               view.shadowed,
               v.store.generation(),
               "",
               p.state_error.empty() ? "" : "(withheld)"};
    return status_api::to_json(s);
  }
  s.waiting_for.assign(p.waiting.begin(), p.waiting.end());
  for (const auto& src : v.sources) {
    auto j = src->status();
    s.sources.push_back({src->name(), core::json_value(j, "synced", false),
                         core::json_value(j, "lastError", ""), std::move(j)});
  }
  for (const auto& sk : v.files.sinks())
    s.sinks.push_back(sink_of(sk.status()));
  s.store = {v.store.secret_count(), view.entries.size(), view.rejected, view.shadowed,
             v.store.generation(),   v.config.state_dir,  p.state_error};
  // With root's node-local credentials over them (source "local"), as root's files have them.
  for (const auto& [key, e] : v.store.with_local()) {
    s.registries.push_back({key, e.from,
                            privileged ? std::optional(e.credential.username) : std::nullopt,
                            e.shadowed});
  }
  v.store.each_report([&](const sync::SecretReport& r, const std::vector<sync::SecretItem>& items) {
    status_api::SecretReport out{r.from.display(), r.from, r.rejected, {}, r.problems};
    for (const auto& item : items)
      out.keys.push_back(item.key);
    s.secrets.push_back(std::move(out));
  });
  return status_api::to_json(s);
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
