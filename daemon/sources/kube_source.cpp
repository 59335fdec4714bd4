#include "daemon/sources/kube_source.hpp"
#include "common/core/json_fields.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <thread>

#include "common/core/policy.hpp"
#include "common/core/published.hpp"
#include "common/io/log.hpp"
#include "common/kube/reflector.hpp"
#include "daemon/kube/connection.hpp"

namespace regcred::daemon {
namespace asio = boost::asio;
namespace {

class KubeSource : public Source {
 public:
  KubeSource(asio::io_context& io, SourceEvents& events, kube::Connection conn, const Config& cfg)
      : io_(io), events_(events), creds_(std::move(conn)), alive_(std::make_shared<bool>(true)) {
    name_ = "kube:" + creds_.connection().server;
    std::vector<std::string> paths;
    std::string selector = cfg.label_selector;
    published_namespace_ = cfg.published_namespace;
    if (!cfg.published_namespace.empty()) {
      // Published mode: one namespace, only what the publisher put there.
      paths.push_back("/api/v1/namespaces/" + cfg.published_namespace + "/secrets");
      selector = std::string(core::k_published_label_selector);
    } else if (cfg.all_namespaces) {
      paths.emplace_back("/api/v1/secrets");
    } else {
      for (const auto& ns : cfg.namespaces)
        paths.push_back("/api/v1/namespaces/" + ns + "/secrets");
    }
    kube::ReflectorOptions opt;
    if (const char* v = std::getenv("REGCRED_WATCH_IDLE_TIMEOUT_S"); v != nullptr) {
      opt.idle_timeout = std::chrono::seconds(std::atol(v));  // tests of dead connections
    }
    if (const char* v = std::getenv("REGCRED_WATCH_TIMEOUT_S"); v != nullptr) {
      opt.watch_timeout_min = std::chrono::seconds(std::atol(v));  // tests of bookmarks
    }
    // regcred-publisher publishes kubernetes.io/dockerconfigjson only: one stream per node.
    std::vector<std::string_view> types{core::k_type_dockerconfigjson};
    if (cfg.published_namespace.empty()) types.push_back(core::k_type_dockercfg);
    for (const auto& path : paths) {
      for (std::string_view type : types) {
        kube::StreamSpec spec;
        spec.path = path;
        spec.field_selector = "type=" + std::string(type);
        spec.label_selector = selector;
        spec.id = name_ + path + "?" + spec.field_selector;
        reflectors_.push_back(
            std::make_unique<kube::Reflector>(spec, creds_, callbacks(spec.id), opt));
        streams_.push_back(spec.id);
      }
    }
  }

  ~KubeSource() override { stop(); }

  void start() override {
    for (auto& r : reflectors_)
      threads_.emplace_back([p = r.get()] { p->run(); });
  }

  void stop() override {
    *alive_ = false;
    for (auto& r : reflectors_)
      r->stop();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
    threads_.clear();
  }

  std::string name() const override { return name_; }
  std::vector<std::string> streams() const override { return streams_; }

  nlohmann::json status() const override {
    nlohmann::json streams = nlohmann::json::array();
    bool synced = true;
    bool ok = true;
    for (const auto& r : reflectors_) {
      auto s = r->status();
      synced = synced && core::json_value(s, "synced", false);
      ok = ok && core::json_value(s, "state", "") != "error" &&
           core::json_value(s, "state", "") != "backoff";
      streams.push_back(std::move(s));
    }
    return {{"name", name_},
            {"kind", "kube"},
            {"server", creds_.connection().server},
            {"identity", creds_.connection().origin},
            {"publishedNamespace", published_namespace_},
            {"synced", synced},
            {"ok", ok},
            {"streams", std::move(streams)}};
  }

  SourceCounters counters() const override {
    SourceCounters total;
    for (const auto& r : reflectors_) {
      const auto c = r->counters();
      total.watches += c.watches;
      total.relists += c.relists;
    }
    return total;
  }

 private:
  // Runs `fn` on the event loop, unless the source was stopped meanwhile.
  template <typename F>
  void post(F fn) {
    asio::post(io_, [alive = alive_, fn = std::move(fn)]() mutable {
      if (*alive) fn();
    });
  }

  // regcred.io/ annotations say where the publisher took a secret from: only the publish
  // namespace's are the publisher's word; in direct mode anyone who writes a secret sets them.
  // In published mode a namespace-scoped copy counts as a secret of the namespace it serves
  // (the store answers that namespace's pods with it; the node-wide selector leaves it out).
  void drop_untrusted(core::SecretManifest& s) const {
    if (published_namespace_.empty()) {
      s.annotations.clear();
      return;
    }
    const auto serves = s.labels.find(std::string(core::k_serves_namespace_label));
    if (serves != s.labels.end() && core::namespace_name(serves->second))
      s.namespace_ = serves->second;
  }

  kube::ReflectorCallbacks callbacks(const std::string& stream) {
    kube::ReflectorCallbacks cb;
    cb.replace = [this, stream](std::vector<core::SecretManifest> items) {
      for (auto& s : items)
        drop_untrusted(s);
      post([this, stream, items = std::move(items)]() mutable {
        events_.replace(stream, std::move(items));
      });
    };
    cb.changes = [this, stream](std::vector<core::SecretChange> batch) {
      for (auto& c : batch)
        drop_untrusted(c.secret);
      post([this, stream, batch = std::move(batch)]() mutable {
        events_.changes(stream, std::move(batch));
      });
    };
    cb.synced = [this, stream] { post([this, stream] { events_.synced(stream); }); };
    return cb;
  }

  asio::io_context& io_;
  SourceEvents& events_;
  kube::CredentialSource creds_;
  std::shared_ptr<bool> alive_;
  std::string name_;
  std::string published_namespace_;  // "" in direct mode
  std::vector<std::unique_ptr<kube::Reflector>> reflectors_;
  std::vector<std::thread> threads_;
  std::vector<std::string> streams_;
};

}  // namespace

Result<std::unique_ptr<Source>> make_kube_source(asio::io_context& io, SourceEvents& events,
                                                 const Config& cfg) {
  REGCRED_TRY_ASSIGN(auto conn, kube::connection_for(cfg));
  return std::unique_ptr<Source>(std::make_unique<KubeSource>(io, events, std::move(conn), cfg));
}

}  // namespace regcred::daemon
