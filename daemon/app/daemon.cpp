#include "daemon/app/daemon.hpp"
#include "common/core/json_fields.hpp"

#include <grp.h>
#include <malloc.h>
#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "common/core/answer.hpp"
#include "common/core/credential_helper.hpp"
#include "common/core/label_selector.hpp"
#include "common/io/local_store.hpp"
#include "common/io/log.hpp"
#include "common/io/time_text.hpp"
#include "common/pull/pull_test.hpp"
#include "daemon/api/server.hpp"
#include "daemon/app/pull_runner.hpp"
#include "daemon/kube/kube_source.hpp"
#include "daemon/sources/dir_source.hpp"
#include "daemon/sync/sink.hpp"
#include "daemon/sync/state.hpp"
#include "daemon/sync/state_writer.hpp"
#include "daemon/sync/store.hpp"

namespace regcred::daemon {
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

constexpr auto k_min_write_interval = 50ms;
constexpr auto k_state_quiet = 100ms;
constexpr auto k_state_max_delay = 5s;
constexpr std::size_t k_snapshot_slice = 1000;  // entries copied per turn of the loop

nlohmann::json provenance_json(const sync::Provenance& p) {
  return {{"source", p.source},
          {"namespace", p.namespace_},
          {"name", p.name},
          {"uid", p.uid},
          {"resourceVersion", p.resource_version}};
}

class Daemon : public SourceEvents, public api::StatusProvider {
 public:
  Daemon(Config cfg, std::vector<std::string> args, Notifier& notifier)
      : cfg_(std::move(cfg)),
        args_(std::move(args)),
        notifier_(notifier),
        signals_(io_, SIGTERM, SIGINT, SIGHUP),
        flush_timer_(io_),
        state_timer_(io_),
        ready_timer_(io_),
        watchdog_timer_(io_),
        pull_timer_(io_),
        pull_runner_(io_, PullRunner::default_program(), cfg_.pull_test_concurrency),
        started_(std::chrono::system_clock::now()) {}
  ~Daemon() override { pull_runner_.stop(); }
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  int run() {
    // One malloc arena for every thread: the watch threads parse lists and the state writer
    // renders files in arenas of their own, and glibc trims those only from their top, so their
    // peaks stayed resident (10,000 secrets: 49 MB RSS, 43 with one arena). The threads that
    // allocate much take turns anyway on 2 cores.
    ::mallopt(M_ARENA_MAX, 1);
    io::Log::set_level(cfg_.log_level);
    if (auto r = sync::prepare_state_dir(cfg_.state_dir); !r) {
      io::log_error("cannot use the state folder", {{"error", r.error().message}});
      return 1;
    }
    auto records = journal_.load();
    if (!records) {
      io::log_error("cannot read the sink record", {{"error", records.error().message}});
      return 1;
    }
    records_ = std::move(*records);
    if (auto r = journal_.compact(records_); !r) {
      io::log_error("cannot write the sink record", {{"error", r.error().message}});
      return 1;
    }
    state_writer_.emplace(cfg_.state_dir, [this](std::string error) {
      asio::post(io_, [this, error = std::move(error)] { state_saved(error); });
    });
    // Node-local credentials (docker-credential-regcred store) are there before any source.
    if (auto local = io::load_local(cfg_.state_dir); local) {
      store_.set_local(*local);
    } else if (local.error().code != Code::not_found) {
      io::log_error("cannot read the node-local credentials; serving without them",
                    {{"error", local.error().message}});
    }
    // What it served before it stopped, until the sources deliver a full state: the helpers
    // keep getting answers while the API server is down.
    if (auto prev = sync::load_credentials(cfg_.state_dir); prev && !prev->empty()) {
      store_.set_previous(*prev);
      io::log_info("serving the previous credentials until the first full sync",
                   {{"registries", std::to_string(prev->size())}});
    }
    build_sinks();
    if (!cfg_.once) {
      if (auto r = start_server(); !r) {
        io::log_error("cannot serve the status socket", {{"error", r.error().message}});
        return 1;
      }
    }
    if (auto r = build_sources(); !r) {
      io::log_error("cannot start a source", {{"error", r.error().message}});
      return 2;
    }
    if (cfg_.node_conditions && !cfg_.once) {
      auto rep = make_node_reporter(cfg_);
      if (!rep) {
        io::log_error("cannot report node conditions", {{"error", rep.error().message}});
        return 2;
      }
      node_reporter_ = std::move(*rep);
      update_condition();
    }
    handle_signals();
    start_watchdog();
    ready_timer_.expires_after(cfg_.ready_timeout);
    ready_timer_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      if (cfg_.once) {
        io::log_error("--once: not every source delivered a full state in time",
                      {{"waiting", pending_list()}});
        exit_code_ = 1;
        shutdown();
        return;
      }
      if (!ready_sent_) {
        ready_sent_ = true;
        notifier_.notify("READY=1\nSTATUS=waiting for the first sync of " + pending_list() +
                         "; files are not written until then");
        io::log_warning("reporting ready before the first full sync",
                        {{"waiting", pending_list()}});
      }
    });
    for (auto& s : sources_)
      s->start();
    io::log_info("regcredd started", {{"version", REGCRED_VERSION},
                                      {"node", cfg_.node_name},
                                      {"sources", std::to_string(sources_.size())},
                                      {"sinks", std::to_string(sinks_.size())}});
    io_.run();
    return exit_code_;
  }

  // SourceEvents. Single changes are only noted here and applied together in one handler: a
  // storm of updates to one secret costs one evaluation per burst, and the status socket's
  // requests are not queued behind thousands of them.
  void replace(const std::string& stream, std::vector<core::SecretManifest> secrets) override {
    apply_pending();  // older single changes must not land on top of the new state
    io::log_debug("stream state replaced",
                  {{"stream", stream}, {"secrets", std::to_string(secrets.size())}});
    store_.replace(stream, secrets, source_of(stream));
    trim_after_flush_ = true;
    schedule_flush();
  }
  void changes(const std::string& stream, std::vector<core::SecretChange> batch) override {
    for (auto& c : batch) {
      std::string key = stream + '\n' + c.secret.namespace_ + '\n' + c.secret.name;
      pending_changes_.insert_or_assign(std::move(key),
                                        PendingChange{stream, std::move(c.secret), c.removed});
    }
    schedule_apply();
  }

  void schedule_apply() {
    if (apply_posted_) return;
    apply_posted_ = true;
    asio::post(io_, [this] { apply_pending(); });
  }
  void apply_pending() {
    apply_posted_ = false;
    if (pending_changes_.empty()) return;
    for (auto& [key, c] : pending_changes_) {
      if (c.removed) {
        io::log_debug("secret removed",
                      {{"stream", c.stream}, {"secret", c.secret.display_name()}});
        store_.remove(c.stream, c.secret.namespace_, c.secret.name);
      } else {
        io::log_debug("secret changed",
                      {{"stream", c.stream}, {"secret", c.secret.display_name()}});
        store_.upsert(c.stream, c.secret, source_of(c.stream));
      }
    }
    pending_changes_.clear();
    schedule_flush();
  }

  void synced(const std::string& stream) override {
    apply_pending();
    if (pending_.erase(stream) == 0) return;
    io::log_info("stream synced", {{"stream", stream}});
    if (pending_.empty() && !initial_synced_) {
      initial_synced_ = true;
      ready_timer_.cancel();  // its deadline is moot now; no wake-up for nothing
      store_.drop_stream("previous");
      schedule_flush();
      schedule_pull_tests(std::chrono::seconds(1));
    }
  }

  // StatusProvider
  bool ready() const override { return initial_synced_ && first_flush_done_; }
  nlohmann::json status(bool privileged) override {
    const auto& view = store_.view();
    nlohmann::json sources = nlohmann::json::array();
    for (const auto& s : sources_)
      sources.push_back(s->status());
    nlohmann::json sinks = nlohmann::json::array();
    for (const auto& s : sinks_) {
      const auto& st = s.status();
      nlohmann::json j = {
          {"path", st.path},       {"kind", st.kind},           {"ok", st.ok},
          {"entries", st.managed}, {"conflicts", st.conflicts}, {"writes", st.writes}};
      if (!st.error.empty()) j["error"] = st.error;
      if (st.last_write) j["lastWrite"] = io::rfc3339(*st.last_write);
      if (st.last_sync) j["lastSync"] = io::rfc3339(*st.last_sync);
      sinks.push_back(std::move(j));
    }
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
    store_.each_report(
        [&](const sync::SecretReport& r, const std::vector<sync::SecretItem>& items) {
          nlohmann::json keys = nlohmann::json::array();
          for (const auto& item : items)
            keys.push_back(item.key);
          nlohmann::json j = {{"secret", r.from.display()},
                              {"source", provenance_json(r.from)},
                              {"status", r.rejected ? "rejected" : "synced"},
                              {"keys", std::move(keys)},
                              {"problems", r.problems}};
          secrets.push_back(std::move(j));
        });
    nlohmann::json store = {
        {"secrets", store_.secret_count()},  {"registries", view.entries.size()},
        {"rejected", view.rejected},         {"shadowed", view.shadowed},
        {"generation", store_.generation()}, {"stateDir", cfg_.state_dir},
        {"ok", state_error_.empty()}};
    if (!state_error_.empty()) store["error"] = state_error_;
    nlohmann::json out = {{"node", cfg_.node_name},
                          {"ready", ready()},
                          {"synced", initial_synced_},
                          {"waitingFor", pending_vector()},
                          {"startedAt", io::rfc3339(started_)},
                          {"sources", std::move(sources)},
                          {"sinks", std::move(sinks)},
                          {"store", std::move(store)},
                          {"registries", std::move(registries)},
                          {"secrets", std::move(secrets)}};
    if (last_flush_wall_) out["lastSync"] = io::rfc3339(*last_flush_wall_);
    out["namespaceCredentials"] = cfg_.namespace_credentials;
    return out;
  }

  // ---- pull tests ----

  api::Response pulltests(const api::Request& req, const std::string& path) override {
    if (req.method == "POST") {
      auto body = nlohmann::json::parse(req.body, nullptr, false);
      if (!body.is_object() || !body.contains("image") || !body["image"].is_string()) {
        return api::error_response(400, "expected {\"image\": \"...\"}");
      }
      std::vector<std::string> ca_files;
      if (auto c = body.find("caFiles"); c != body.end() && c->is_array()) {
        for (const auto& f : *c) {
          if (f.is_string()) ca_files.push_back(f.get<std::string>());
        }
      }
      auto id = start_pull_test(body["image"].get<std::string>(),
                                core::json_value(body, "namespace", ""), ca_files, "request");
      if (!id) return api::error_response(400, id.error().message);
      return api::json_response(202, {{"id", *id}, {"status", "running"}});
    }
    auto redact = [&](nlohmann::json j) {
      if (!req.privileged && j.contains("credential") && j["credential"].is_object()) {
        j["credential"].erase("username");
      }
      return j;
    };
    if (path == "/v1/pulltests") {
      nlohmann::json results = nlohmann::json::object();
      for (const auto& [image, list] : pull_results_) {
        nlohmann::json l = nlohmann::json::array();
        for (const auto& r : list)
          l.push_back(redact(r));
        results[image] = std::move(l);
      }
      nlohmann::json running = nlohmann::json::array();
      for (const auto& [id, image] : pull_running_)
        running.push_back({{"id", id}, {"image", image}});
      return api::json_response(
          200, {{"results", results},
                {"running", running},
                {"scheduled", cfg_.pull_tests},
                {"interval", std::to_string(cfg_.pull_test_interval.count()) + "s"}});
    }
    const std::string id_text = path.substr(std::string("/v1/pulltests/").size());
    long id = 0;
    try {
      id = std::stol(id_text);
    } catch (const std::exception&) {
      return api::error_response(404, "no such pull test: " + id_text);
    }
    if (pull_running_.contains(id))
      return api::json_response(202, {{"id", id}, {"status", "running"}});
    auto it = pull_done_.find(id);
    if (it == pull_done_.end()) return api::error_response(404, "no such pull test: " + id_text);
    return api::json_response(200, redact(it->second));
  }

  // Credentials as the node would use them: kubelet's rules over the store (node-wide, or one
  // namespace's with --namespace-credentials), tried in kubelet's order.
  Result<long> start_pull_test(const std::string& image, const std::string& ns,
                               const std::vector<std::string>& extra_cas, const std::string& why) {
    REGCRED_TRY_ASSIGN(core::ImageRef ref, core::parse_image_ref(image));
    // kubelet's union: the pod's namespace's pull secrets first, then the node's. Without a
    // namespace the store's own table serves as it is (no copy per scheduled test).
    std::vector<pull::Candidate> candidates;
    if (ns.empty()) {
      candidates = pull::candidates_for(store_.table(), ref.name());
    } else {
      core::CredentialTable table = store_.namespace_table(ns);
      for (auto& e : table)
        e.rank.insert(0, 1, '\0');
      const auto& node = store_.table();
      table.insert(table.end(), node.begin(), node.end());
      candidates = pull::candidates_for(table, ref.name());
    }
    pull::Options o;
    o.ca_files = cfg_.pull_test_ca_files;
    o.ca_files.insert(o.ca_files.end(), extra_cas.begin(), extra_cas.end());
    o.platform = pull::node_platform();
    const long id = ++pull_next_id_;
    pull_running_[id] = ref.full();
    pull_runner_.run(
        {id, ref.full(), std::move(candidates), std::move(o)}, [this, id, why](nlohmann::json j) {
          const double total = core::json_value(
              core::json_value(j, "timingsMs", nlohmann::json::object()), "total", 0.0);
          j["id"] = id;
          j["trigger"] = why;
          j["finishedAt"] = io::rfc3339(std::chrono::system_clock::now());
          finish_pull_test(id, std::move(j), total);
        });
    return id;
  }

  void finish_pull_test(long id, nlohmann::json j, double total_ms) {
    const std::string image = pull_running_[id];
    pull_running_.erase(id);
    const std::string cls = core::json_value(j, "class", "");
    auto& m = pull_metrics_[cls];
    ++m.count;
    m.seconds += total_ms / 1000.0;
    io::log_info("pull test", {{"image", image},
                               {"class", cls},
                               {"phase", core::json_value(j, "phase", "")},
                               {"ms", std::to_string(static_cast<long>(total_ms))}});
    auto& list = pull_results_[image];
    list.push_front(j);
    while (list.size() > k_pull_results_kept)
      list.pop_back();
    pull_done_[id] = std::move(j);
    while (pull_done_.size() > 256)
      pull_done_.erase(pull_done_.begin());
    update_condition();
  }

  // RegistryCredentialsReady: True when the files are in sync, no secret is rejected and the
  // last pull test of every scheduled image passed; else False with the first reason.
  kube::NodeCondition condition() {
    const auto& view = store_.view();
    if (!initial_synced_ || !first_flush_done_) {
      return {"False", "SyncPending", "waiting for the first full sync of " + pending_list()};
    }
    for (const auto& sk : sinks_) {
      if (!sk.status().ok) {
        return {"False", "CredentialFileFailed",
                "cannot write " + sk.status().path + ": " + sk.status().error};
      }
    }
    if (view.rejected > 0) {
      std::string names;
      store_.each_report([&](const sync::SecretReport& r, const auto&) {
        if (r.rejected) names += (names.empty() ? "" : ", ") + r.from.display();
      });
      return {"False", "SecretsRejected",
              std::to_string(view.rejected) + " pull secret(s) rejected: " + names +
                  " (regcredctl status)"};
    }
    for (const auto& image : cfg_.pull_tests) {
      auto ref = core::parse_image_ref(image);
      auto it = pull_results_.find(ref ? ref->full() : image);
      if (it == pull_results_.end() || it->second.empty()) continue;
      const auto& r = it->second.front();
      if (!core::json_value(r, "ok", false)) {
        return {"False", "PullTestFailed",
                "pull test of " + image + ": " + core::json_value(r, "class", "") + " (" +
                    core::json_value(r, "message", "") + ")"};
      }
    }
    return {"True", "CredentialsSynced",
            std::to_string(store_.secret_count()) + " pull secrets, " +
                std::to_string(view.entries.size()) + " registries in " +
                std::to_string(sinks_.size()) + " files"};
  }

  void update_condition() {
    if (node_reporter_) node_reporter_->report(condition());
  }

  void schedule_pull_tests(std::chrono::milliseconds delay) {
    if (cfg_.pull_tests.empty() || cfg_.once || stopping_) return;
    pull_timer_.expires_after(delay);
    pull_timer_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      for (const auto& image : cfg_.pull_tests) {
        if (auto r = start_pull_test(image, "", {}, "schedule"); !r) {
          io::log_error("scheduled pull test not started",
                        {{"image", image}, {"error", r.error().message}});
        }
      }
      // The interval with +-10% jitter, so nodes started together do not test in step.
      std::uniform_real_distribution<double> jitter(0.9, 1.1);
      auto next = std::chrono::duration_cast<std::chrono::milliseconds>(cfg_.pull_test_interval *
                                                                        jitter(rng_));
      schedule_pull_tests(next);
    });
  }

  api::Response reload_config() override {
    auto parsed = load_config(args_);
    Result<void> valid = parsed ? validate(parsed->config) : fail(parsed.error());
    if (!valid) return api::error_response(400, "reload refused: " + valid.error().message);
    // After this answer is sent, like a SIGHUP.
    asio::post(io_, [this] { reload(); });
    return api::json_response(200, {{"status", "reloading"}});
  }

  // ---- metrics ----

  std::string metrics() override {
    const auto& view = store_.view();
    std::ostringstream m;
    auto metric = [&](const char* name, const char* type, const char* help) {
      m << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
    };
    auto esc = [](std::string s) {
      std::string out;
      for (char c : s) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') {
          out += "\\n";
          continue;
        }
        out += c;
      }
      return out;
    };
    metric("regcred_ready", "gauge",
           "1 once every source delivered a full state and the files were written.");
    m << "regcred_ready " << (ready() ? 1 : 0) << "\n";
    metric("regcred_secrets", "gauge", "Pull secrets in the store, by state.");
    m << "regcred_secrets{state=\"synced\"} " << store_.secret_count() - view.rejected << "\n";
    m << "regcred_secrets{state=\"rejected\"} " << view.rejected << "\n";
    metric("regcred_shadowed_secrets", "gauge",
           "Secret entries that lost a registry key to another secret.");
    m << "regcred_shadowed_secrets " << view.shadowed << "\n";
    metric("regcred_registries", "gauge", "Registry keys the store serves.");
    m << "regcred_registries " << view.entries.size() << "\n";
    metric("regcred_syncs_total", "counter", "Syncs of the files (one per change burst).");
    m << "regcred_syncs_total " << syncs_ << "\n";
    metric("regcred_last_sync_timestamp_seconds", "gauge", "When the files were last synced.");
    m << "regcred_last_sync_timestamp_seconds "
      << (last_flush_wall_ ? std::chrono::duration_cast<std::chrono::seconds>(
                                 last_flush_wall_->time_since_epoch())
                                 .count()
                           : 0)
      << "\n";
    metric("regcred_sink_ok", "gauge", "1 when the file's last write succeeded.");
    metric("regcred_sink_writes_total", "counter", "Writes of each file.");
    for (const auto& sk : sinks_) {
      const auto& st = sk.status();
      m << "regcred_sink_ok{path=\"" << esc(st.path) << "\"} " << (st.ok ? 1 : 0) << "\n";
      m << "regcred_sink_writes_total{path=\"" << esc(st.path) << "\"} " << st.writes << "\n";
    }
    // The kube source's streams count their watches and relists.
    long watches = 0, relists = 0;
    std::function<void(const nlohmann::json&)> walk = [&](const nlohmann::json& j) {
      if (j.is_object()) {
        for (const auto& [k, v] : j.items()) {
          if (k == "watches" && v.is_number_integer())
            watches += v.get<long>();
          else if (k == "relists" && v.is_number_integer())
            relists += v.get<long>();
          else
            walk(v);
        }
      } else if (j.is_array()) {
        for (const auto& v : j)
          walk(v);
      }
    };
    for (const auto& src : sources_)
      walk(src->status());
    metric("regcred_watch_restarts_total", "counter",
           "Watches opened (each one after the first is a restart).");
    m << "regcred_watch_restarts_total " << watches << "\n";
    metric("regcred_relists_total", "counter", "Relists (410 Gone, restarts without history).");
    m << "regcred_relists_total " << relists << "\n";
    metric("regcred_pull_tests_total", "counter", "Pull tests finished, by class.");
    for (const auto& [cls, pm] : pull_metrics_) {
      m << "regcred_pull_tests_total{class=\"" << esc(cls) << "\"} " << pm.count << "\n";
    }
    metric("regcred_pull_test_duration_seconds", "summary", "Time of pull tests, by class.");
    for (const auto& [cls, pm] : pull_metrics_) {
      m << "regcred_pull_test_duration_seconds_sum{class=\"" << esc(cls) << "\"} " << pm.seconds
        << "\n";
      m << "regcred_pull_test_duration_seconds_count{class=\"" << esc(cls) << "\"} " << pm.count
        << "\n";
    }
    metric("regcred_pull_test_ok", "gauge", "1 when the image's last pull test passed.");
    for (const auto& [image, list] : pull_results_) {
      if (list.empty()) continue;
      m << "regcred_pull_test_ok{image=\"" << esc(image) << "\",class=\""
        << esc(list.front().value("class", "")) << "\"} "
        << (list.front().value("ok", false) ? 1 : 0) << "\n";
    }
    return m.str();
  }

  const core::HelperIndex& helper_index() {
    const auto& table = store_.table();
    if (!helper_index_ || helper_generation_ != store_.generation()) {
      helper_index_ = std::make_unique<core::HelperIndex>(table);
      helper_generation_ = store_.generation();
    }
    return *helper_index_;
  }

  api::Response credentials(const api::Request& req, const std::string& path) override {
    nlohmann::json body;
    if (path != "/v1/helper/list" && path != "/v1/provider") {
      body = nlohmann::json::parse(req.body, nullptr, false);
      if (!body.is_object()) return api::error_response(400, "the body is not a JSON object");
    }
    auto text = [&](const char* field) {
      auto it = body.find(field);
      return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    if (path == "/v1/helper/get") {
      const core::TableEntry* e = helper_index().get(text("server"));
      if (e == nullptr) return api::error_response(404, core::helper::k_not_found);
      const auto& c = e->credential;
      const bool token = c.password.empty() && !c.identitytoken.empty();
      nlohmann::json j = {
          {"username", token ? std::string(core::helper::k_token_username) : c.username},
          {"key", e->key},
          {"from", e->from}};
      j["secret"] = token ? c.identitytoken.reveal() : c.password.reveal();
      return api::json_response(200, std::move(j));
    }
    if (path == "/v1/helper/list") {
      return api::json_response(200, {{"entries", helper_index().list()}});
    }
    if (path == "/v1/helper/store") {
      core::helper::Credentials c{text("serverURL"), text("username"), Secret(text("secret"))};
      if (c.server_url.empty()) return api::error_response(400, core::helper::k_missing_server);
      if (c.username.empty()) return api::error_response(400, core::helper::k_missing_username);
      auto edited = io::edit_local(cfg_.state_dir, [&](core::DockerConfig& local) -> Result<bool> {
        REGCRED_TRY(core::store_local(local, c));
        return true;
      });
      if (!edited) return api::error_response(400, edited.error().message);
      store_.set_local(*edited);
      io::log_info("node-local credential stored", {{"server", c.server_url}});
      schedule_flush();
      return api::json_response(200, nlohmann::json::object());
    }
    if (path == "/v1/helper/erase") {
      const std::string server = text("server");
      bool erased = false;
      auto edited = io::edit_local(cfg_.state_dir, [&](core::DockerConfig& local) -> Result<bool> {
        erased = core::erase_local(local, server);
        return erased;
      });
      if (!edited) return api::error_response(500, edited.error().message);
      if (erased) {
        store_.set_local(*edited);
        io::log_info("node-local credential erased", {{"server", server}});
        schedule_flush();
        return api::json_response(200, nlohmann::json::object());
      }
      if (const auto* e = helper_index().get(server)) {
        return api::error_response(409, core::erase_refused_text(server, *e));
      }
      return api::error_response(404, core::helper::k_not_found);
    }
    // /v1/provider: the body is kubelet's request as the provider read it.
    auto r = core::parse_provider_request(req.body);
    if (!r) return api::error_response(400, r.error().message);
    std::string hit = cfg_.provider_cache_duration;
    if (auto q = req.target.find("cacheDuration="); q != std::string::npos) {
      auto d = core::parse_go_duration(req.target.substr(q + 14, req.target.find('&', q) - q - 14));
      if (d && d->count() >= 0) hit = core::format_go_duration(*d);
    }
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    auto ns = core::request_namespace(*r, now);
    if (!ns) return api::error_response(400, ns.error().message);
    core::ProviderAnswer a;
    if (*ns && cfg_.namespace_credentials) {
      a = core::provider_answer(store_.namespace_table(**ns), r->image, r->api_version, hit);
    } else {
      const auto& table = store_.table();
      if (!provider_index_ || provider_generation_ != store_.generation()) {
        provider_index_ = std::make_unique<core::ProviderIndex>(table);
        provider_generation_ = store_.generation();
      }
      a = provider_index_->answer(r->image, r->api_version, hit);
    }
    io::log_debug("provider answered", {{"image", r->image},
                                        {"namespace", ns->value_or("")},
                                        {"keys", std::to_string(a.response.auth.size())}});
    return api::Response{200, "application/json", core::encode_provider_response(a.response)};
  }

 private:
  std::string source_of(const std::string& stream) const {
    auto it = stream_source_.find(stream);
    return it == stream_source_.end() ? stream : it->second;
  }

  std::vector<std::string> pending_vector() const {
    return std::vector<std::string>(pending_.begin(), pending_.end());
  }
  std::string pending_list() const {
    std::string s;
    for (const auto& p : pending_)
      s += (s.empty() ? "" : ", ") + p;
    return s;
  }

  void build_sinks() {
    sinks_.clear();
    for (const auto& p : cfg_.docker_configs)
      sinks_.emplace_back(p, "docker");
    if (!cfg_.kubelet_config.empty()) sinks_.emplace_back(cfg_.kubelet_config, "kubelet");
  }

  Result<void> build_sources() {
    REGCRED_TRY_ASSIGN(auto selector, core::LabelSelector::parse(cfg_.label_selector));
    // Namespace-scoped credentials: the sources take every pull secret; the selector decides in
    // the store what reaches the node-wide files.
    Config source_cfg = cfg_;
    if (cfg_.namespace_credentials) {
      store_.set_node_selector(selector);
      source_cfg.label_selector.clear();
      REGCRED_TRY_ASSIGN(selector, core::LabelSelector::parse(""));
    } else {
      store_.set_node_selector(core::LabelSelector{});
    }
    std::set<std::string> streams;
    if (!cfg_.secrets_dir.empty()) {
      auto dir =
          std::make_unique<DirSource>(io_, *this, cfg_.secrets_dir, cfg_.namespaces, selector);
      sources_.push_back(std::move(dir));
    }
    if (cfg_.has_kube_source()) {
      REGCRED_TRY_ASSIGN(auto kube, make_kube_source(io_, *this, source_cfg));
      sources_.push_back(std::move(kube));
    }
    for (const auto& s : sources_) {
      std::string name = s->name();
      for (const auto& st : s->streams()) {
        streams.insert(st);
        pending_.insert(st);
        stream_source_[st] = name;
      }
    }
    // Streams the new configuration no longer has (SIGHUP) go: the operator removed them.
    for (const auto& old : known_streams_) {
      if (!streams.contains(old)) store_.drop_stream(old);
    }
    known_streams_ = streams;
    return ok();
  }

  Result<void> start_server() {
    std::optional<gid_t> gid;
    if (!cfg_.socket_group.empty()) {
      struct group* g = ::getgrnam(cfg_.socket_group.c_str());
      if (g == nullptr) {
        return fail(Code::invalid_argument,
                    "--socket-group " + cfg_.socket_group + ": no such group");
      }
      gid = g->gr_gid;
    }
    server_ = std::make_unique<api::StatusServer>(
        io_, [this](const api::Request& r) { return api::route(r, *this); }, gid);
    if (int fd = systemd_listen_fd(); fd >= 0) {
      io::log_info("status socket from systemd", {{"fd", std::to_string(fd)}});
      return server_->adopt(fd);
    }
    REGCRED_TRY(server_->listen(cfg_.socket));
    io::log_info("status socket listening", {{"socket", cfg_.socket}});
    return ok();
  }

  void handle_signals() {
    signals_.async_wait([this](boost::system::error_code ec, int sig) {
      if (ec) return;
      if (sig == SIGHUP) {
        reload();
        handle_signals();
        return;
      }
      io::log_info("stopping", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
      shutdown();
    });
  }

  void reload() {
    auto parsed = load_config(args_);
    Result<void> valid = parsed ? validate(parsed->config) : fail(parsed.error());
    if (!valid) {
      io::log_error("reload refused; keeping the running configuration",
                    {{"error", valid.error().message}});
      return;
    }
    notifier_.notify("RELOADING=1");
    for (auto& s : sources_)
      s->stop();
    sources_.clear();
    Config next = parsed->config;
    next.once = cfg_.once;
    cfg_ = std::move(next);
    io::Log::set_level(cfg_.log_level);
    build_sinks();
    pending_.clear();
    if (auto r = build_sources(); !r) {
      io::log_error("reload: cannot start a source", {{"error", r.error().message}});
    }
    for (auto& s : sources_)
      s->start();
    io::log_info("configuration reloaded");
    notifier_.notify("READY=1");
    schedule_flush();
  }

  void start_watchdog() {
    auto interval = notifier_.watchdog();
    if (!interval) return;
    watchdog_period_ = *interval / 2;
    watchdog_tick();
  }
  void watchdog_tick() {
    notifier_.notify("WATCHDOG=1");
    watchdog_timer_.expires_after(watchdog_period_);
    watchdog_timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) watchdog_tick();
    });
  }

  // flush() after `after`, once: schedule_flush() and the retry after a failed write.
  void arm_flush(std::chrono::steady_clock::duration after) {
    flush_pending_ = true;
    flush_timer_.expires_after(after);
    flush_timer_.async_wait([this](boost::system::error_code ec) {
      flush_pending_ = false;
      if (!ec) flush();
    });
  }

  void retry_flush_later() { arm_flush(5s); }

  // The state folder follows the node files once the changes pause for k_state_quiet, and at
  // least every k_state_max_delay during a burst: each save copies the store and writes three
  // files of the store's size, work that per change would compete with the next change's own
  // write (and the helpers only read these files while regcredd is down).
  void schedule_state_save() {
    if (store_.generation() == submitted_generation_ || stopping_) return;
    const auto now = std::chrono::steady_clock::now();
    if (!state_unsaved_since_) state_unsaved_since_ = now;
    const auto due = std::min(now + k_state_quiet, *state_unsaved_since_ + k_state_max_delay);
    state_timer_.expires_at(due);
    state_timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) save_state_now();
    });
  }

  // Copies what the state folder holds and hands it to the writer thread (with --once, writes it
  // here: the exit code says whether it was saved). The copy is taken k_snapshot_slice entries
  // per turn of the loop: at 10,000 secrets the whole copy held the loop (the status socket, the
  // next change) for 5-7 ms. A change that lands between two slices is in the copy or not, entry
  // by entry; the store's generation then differs from the copy's, and another save follows.
  // `at_once`: the whole copy now (shutdown: the loop does not turn again).
  void save_state_now(bool at_once = false) {
    state_unsaved_since_.reset();
    if (at_once) snapshot_.reset();  // a copy in slices is superseded
    if (snapshot_ || store_.generation() == submitted_generation_) return;
    snapshot_.emplace();
    snapshot_->generation = store_.generation();
    if (cfg_.namespace_credentials) snapshot_->namespaces = sync::namespace_tables(store_);
    copy_snapshot_slice({}, at_once || cfg_.once);
  }

  void copy_snapshot_slice(const std::string& from, bool all) {
    if (!snapshot_) return;  // superseded by a copy at once
    const auto& entries = store_.view().entries;
    auto it = entries.lower_bound(from);  // the first key not copied yet
    for (std::size_t n = 0; it != entries.end() && (all || n < k_snapshot_slice); ++it, ++n)
      snapshot_->entries.emplace_hint(snapshot_->entries.end(), it->first, it->second);
    if (it != entries.end()) {
      asio::post(io_, [this, next = it->first] { copy_snapshot_slice(next, false); });
      return;
    }
    sync::StateSnapshot snap = std::move(*snapshot_);
    snapshot_.reset();
    submitted_generation_ = snap.generation;
    const bool moved_on = store_.generation() != snap.generation;
    if (cfg_.once) {
      auto r = sync::save_state(cfg_.state_dir, snap);
      state_saved(r ? std::string() : r.error().message);
    } else {
      state_writer_->submit(std::move(snap));
    }
    if (moved_on && !stopping_) schedule_state_save();
  }

  // The writer thread's answer for the state folder, on the loop.
  void state_saved(const std::string& error) {
    if (error.empty()) {
      state_error_.clear();
      return;
    }
    if (error != state_error_) io::log_error("cannot save the state folder", {{"error", error}});
    state_error_ = error;
    // Submit again on the retry.
    submitted_generation_ = ~std::uint64_t{0};
    if (!flush_pending_ && !stopping_) retry_flush_later();
  }

  void schedule_flush() {
    if (!initial_synced_ || flush_pending_ || stopping_) return;
    auto now = std::chrono::steady_clock::now();
    auto due = last_flush_ + k_min_write_interval;
    arm_flush(due > now ? due - now : std::chrono::steady_clock::duration(0));
  }

  void flush() {
    last_flush_ = std::chrono::steady_clock::now();
    const auto& view = store_.view();
    // The keys that changed since the files were last written: with a file as it was left,
    // only their entries are rendered again.
    const auto changed = store_.changed_since(files_generation_);
    const auto viewed = std::chrono::steady_clock::now();
    bool all_ok = true;
    // The files pulls wait for first, then the helpers' copy.
    for (auto& sink : sinks_) {
      auto& owned = records_[sink.path()];
      auto r = sink.sync(view.entries, changed, owned,
                         [&](const sync::OwnedKeys& added, const sync::OwnedKeys& removed) {
                           return journal_.append(sink.path(), added, removed);
                         });
      if (!r) {
        all_ok = false;
        io::log_error("cannot write a credential file; it keeps its old content",
                      {{"file", sink.path()}, {"error", r.error().message}});
      }
      for (const auto& c : sink.status().conflicts) {
        if (reported_conflicts_.insert(sink.path() + "\n" + c).second) {
          io::log_warning("entry written by someone else; not overwriting it",
                          {{"file", sink.path()}, {"key", c}});
        }
      }
    }
    files_generation_ = store_.generation();
    store_.forget_changes_through(files_generation_);
    const auto sinks_done = std::chrono::steady_clock::now();
    if (std::size_t owned = 0; journal_.lines() > 1024) {
      // Fold the journal into sinks.json once it holds as many lines as the records (a whole
      // merge right away; one change at a time, once in so many changes), on the loop: the
      // records are the loop's.
      for (const auto& [path, keys] : records_)
        owned += keys.size();
      if (journal_.lines() >= owned) {
        if (auto r = journal_.compact(records_); !r) {
          io::log_error("cannot write the sink record", {{"error", r.error().message}});
        }
      }
    }
    if (cfg_.once) {
      save_state_now();
    } else {
      schedule_state_save();
    }
    if (!state_error_.empty()) all_ok = false;
    if (!all_ok) {
      // Disk full, read-only: try again later without anyone having to ask.
      retry_flush_later();
    }
    if (trim_after_flush_) {
      // A full list (start-up, a relist) leaves the parsed pages, old tables and the file texts
      // free in glibc's heap; hand them back, or RSS stays at the peak (issue 8: 10,000 secrets
      // peak at 63 MB, live data is a fraction of it).
      trim_after_flush_ = false;
      ::malloc_trim(0);
    }
    {
      // Where a flush's time goes (debug level): the view, the node files, the state folder.
      using ms = std::chrono::duration<double, std::milli>;
      const auto end = std::chrono::steady_clock::now();
      io::log_debug("flushed", {{"view_ms", std::to_string(ms(viewed - last_flush_).count())},
                                {"files_ms", std::to_string(ms(sinks_done - viewed).count())},
                                {"state_ms", std::to_string(ms(end - sinks_done).count())}});
    }
    first_flush_done_ = true;
    ++syncs_;
    last_flush_wall_ = std::chrono::system_clock::now();
    std::string line =
        std::to_string(store_.secret_count()) + " secrets, " + std::to_string(view.entries.size()) +
        " registries, " + std::to_string(view.rejected) + " rejected, " +
        std::to_string(sinks_.size()) + " files" + (all_ok ? "" : " (a write failed, see the log)");
    if (line != last_status_line_ || !ready_sent_) {
      last_status_line_ = line;
      notifier_.notify((ready_sent_ ? "" : "READY=1\n") + std::string("STATUS=") + line);
      ready_sent_ = true;
    }
    update_condition();
    if (cfg_.once) {
      exit_code_ = (all_ok && view.rejected == 0) ? 0 : 1;
      store_.each_report([](const sync::SecretReport& r, const auto&) {
        if (!r.rejected) return;
        for (const auto& p : r.problems)
          io::log_error("secret rejected", {{"problem", p}});
      });
      shutdown();
    }
  }

  void shutdown() {
    if (stopping_) return;
    stopping_ = true;
    notifier_.notify("STOPPING=1");
    for (auto& s : sources_)
      s->stop();
    if (server_) server_->stop();
    flush_timer_.cancel();
    state_timer_.cancel();
    // What the state folder has not caught up with yet is written before exit (the writer
    // finishes it when the daemon goes).
    if (first_flush_done_ && state_writer_) save_state_now(/*at_once=*/true);
    ready_timer_.cancel();
    watchdog_timer_.cancel();
    pull_timer_.cancel();
    signals_.cancel();
    io_.stop();
  }

  asio::io_context io_;
  Config cfg_;
  std::vector<std::string> args_;
  Notifier& notifier_;
  asio::signal_set signals_;
  asio::steady_timer flush_timer_;
  asio::steady_timer state_timer_;
  std::optional<std::chrono::steady_clock::time_point> state_unsaved_since_;
  asio::steady_timer ready_timer_;
  asio::steady_timer watchdog_timer_;
  asio::steady_timer pull_timer_;
  PullRunner pull_runner_;  // the pull tests, in regcred-pull-worker
  std::chrono::microseconds watchdog_period_{0};
  std::chrono::system_clock::time_point started_;
  std::optional<std::chrono::system_clock::time_point> last_flush_wall_;
  std::chrono::steady_clock::time_point last_flush_{};

  sync::Store store_;
  std::vector<std::unique_ptr<Source>> sources_;
  std::set<std::string> pending_;
  std::set<std::string> known_streams_;
  std::map<std::string, std::string> stream_source_;
  struct PendingChange {
    std::string stream;
    core::SecretManifest secret;
    bool removed = false;
  };
  std::map<std::string, PendingChange> pending_changes_;  // stream \n ns \n name -> latest
  bool apply_posted_ = false;
  bool trim_after_flush_ = false;
  std::vector<sync::FileSink> sinks_;
  sync::SinkRecords records_;
  sync::SinkJournal journal_{cfg_.state_dir};
  std::optional<sync::StateWriter> state_writer_;  // declared late: stops before what it uses
  std::set<std::string> reported_conflicts_;
  std::unique_ptr<api::StatusServer> server_;
  std::string state_error_;
  std::string last_status_line_;
  std::uint64_t submitted_generation_ = ~std::uint64_t{0};
  std::optional<sync::StateSnapshot> snapshot_;  // the state copy being taken, slice by slice
  std::uint64_t files_generation_ = 0;  // the store generation the node files were written at
  std::unique_ptr<kube::NodeReporter> node_reporter_;
  std::unique_ptr<core::HelperIndex> helper_index_;  // over store_.table(), per generation
  std::uint64_t helper_generation_ = ~std::uint64_t{0};
  std::unique_ptr<core::ProviderIndex> provider_index_;  // over store_.table(), per generation
  std::uint64_t provider_generation_ = ~std::uint64_t{0};
  static constexpr std::size_t k_pull_results_kept = 10;
  struct PullMetric {
    std::uint64_t count = 0;
    double seconds = 0;
  };
  long pull_next_id_ = 0;
  std::map<long, std::string> pull_running_;                        // id -> image
  std::map<long, nlohmann::json> pull_done_;                        // the last 256, by id
  std::map<std::string, std::deque<nlohmann::json>> pull_results_;  // image -> newest first
  std::map<std::string, PullMetric> pull_metrics_;                  // class -> totals
  std::mt19937 rng_{std::random_device{}()};
  std::uint64_t syncs_ = 0;
  bool initial_synced_ = false;
  bool first_flush_done_ = false;
  bool flush_pending_ = false;
  bool ready_sent_ = false;
  bool stopping_ = false;
  int exit_code_ = 0;
};

// --check-config: what validate() cannot see from the flags alone.
Result<void> check_sources(const Config& cfg) {
  if (!cfg.secrets_dir.empty()) {
    struct stat st {};
    if (::stat(cfg.secrets_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return fail(Code::invalid_argument, "--secrets-dir " + cfg.secrets_dir + ": not a folder");
    }
  }
  return check_kube_config(cfg);
}

}  // namespace

int run_daemon(Config config, std::vector<std::string> args, Notifier& notifier) {
  Daemon d(std::move(config), std::move(args), notifier);
  return d.run();
}

int run(const std::vector<std::string>& args) {
  auto parsed = load_config(args);
  if (!parsed) {
    std::cerr << "regcredd: " << parsed.error().message << "\n";
    return 2;
  }
  if (parsed->exit_now) {
    std::cout << parsed->output;
    return parsed->exit_code;
  }
  Config cfg = std::move(parsed->config);
  if (auto v = validate(cfg); !v) {
    std::cerr << "regcredd: " << v.error().message << "\n";
    return 2;
  }
  if (cfg.check_config) {
    if (auto k = check_sources(cfg); !k) {
      std::cerr << "regcredd: " << k.error().message << "\n";
      return 2;
    }
    std::cout << "regcredd: configuration OK\n";
    return 0;
  }
  SdNotifier notifier;
  return run_daemon(std::move(cfg), args, notifier);
}

}  // namespace regcred::daemon
