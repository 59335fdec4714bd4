#include "publisher/app/controller.hpp"

#include <sstream>

#include "common/io/log.hpp"

namespace regcred::publisher {
namespace {

using steady = std::chrono::steady_clock;
using nlohmann::json;

std::string verdict_name(core::Verdict v) {
  switch (v) {
    case core::Verdict::publish:
      return "publish";
    case core::Verdict::unreadable:
      return "unreadable";
    case core::Verdict::namespace_not_listed:
      return "namespace-not-listed";
    case core::Verdict::not_claimed:
      return "not-claimed";
    case core::Verdict::public_registry:
      return "public-registry";
    case core::Verdict::claimed_elsewhere:
      return "claimed-elsewhere";
    case core::Verdict::too_many_secrets:
      return "too-many-secrets";
  }
  return "unknown";
}

}  // namespace

Controller::Controller(Config cfg, kube::Connection conn)
    : cfg_(std::move(cfg)),
      creds_(std::move(conn)),
      elector_(creds_,
               {cfg_.publish_namespace, cfg_.lease_name, cfg_.identity, cfg_.lease_duration,
                cfg_.renew_deadline, cfg_.retry_period},
               user_agent(cfg_)),
      writer_(creds_, cfg_.publish_namespace, user_agent(cfg_)),
      policy_client_(creds_) {
  policy_client_.set_request_timeout(std::chrono::seconds(10));
  policy_client_.set_user_agent(user_agent(cfg_));
  const std::string server = creds_.connection().server;
  auto add = [&](std::string path, std::string_view type, std::string_view selector,
                 bool published) {
    kube::StreamSpec spec;
    spec.path = std::move(path);
    spec.field_selector = "type=" + std::string(type);
    spec.label_selector = std::string(selector);
    spec.id = "kube:" + server + spec.path + "?" + spec.field_selector;
    Stream s;
    s.published = published;
    streams_.push_back(std::move(s));
    const auto i = streams_.size() - 1;
    kube::ReflectorOptions opt;
    opt.user_agent = user_agent(cfg_);
    streams_[i].reflector = std::make_unique<kube::Reflector>(spec, creds_, callbacks(i), opt);
  };
  streams_.reserve(3);
  for (auto type : {core::k_type_dockerconfigjson, core::k_type_dockercfg})
    add("/api/v1/secrets", type, k_source_label_selector, false);
  add("/api/v1/namespaces/" + cfg_.publish_namespace + "/secrets", core::k_type_dockerconfigjson,
      std::string(core::k_published_label) + "=true", true);
}

Controller::~Controller() {
  stop();
}

kube::ReflectorCallbacks Controller::callbacks(std::size_t i) {
  auto key = [](const core::SecretManifest& s) { return s.namespace_ + "/" + s.name; };
  kube::ReflectorCallbacks cb;
  cb.replace = [this, i, key](std::vector<core::SecretManifest> items) {
    std::map<std::string, core::SecretManifest> m;
    for (auto& s : items)
      m.emplace(key(s), std::move(s));
    std::lock_guard lock(mu_);
    streams_[i].items = std::move(m);
    dirty_ = true;
    cv_.notify_all();
  };
  cb.changes = [this, i, key](std::vector<core::SecretChange> batch) {
    std::lock_guard lock(mu_);
    for (auto& c : batch) {
      if (c.removed) {
        streams_[i].items.erase(key(c.secret));
      } else {
        auto k = key(c.secret);
        streams_[i].items.insert_or_assign(std::move(k), std::move(c.secret));
      }
    }
    dirty_ = true;
    cv_.notify_all();
  };
  cb.synced = [this, i] {
    std::lock_guard lock(mu_);
    streams_[i].synced = true;
    dirty_ = true;
    cv_.notify_all();
  };
  return cb;
}

void Controller::start() {
  threads_.emplace_back([this] { elector_.run(); });
  for (auto& s : streams_)
    threads_.emplace_back([r = s.reflector.get()] { r->run(); });
  threads_.emplace_back([this] { loop(); });
}

void Controller::stop() {
  if (stop_.exchange(true)) return;
  {
    std::lock_guard lock(mu_);
    cv_.notify_all();
  }
  policy_client_.cancel();
  for (auto& s : streams_)
    s.reflector->stop();
  elector_.stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void Controller::mark_dirty() {
  std::lock_guard lock(mu_);
  dirty_ = true;
  cv_.notify_all();
}

void Controller::read_policy() {
  const auto path = "/api/v1/namespaces/" + cfg_.publish_namespace + "/configmaps/" + cfg_.policy;
  auto r = policy_client_.get(path);
  std::lock_guard lock(mu_);
  if (!r || (r->status != 200 && r->status != 404)) {
    // Unreachable or refused: the last policy read stays.
    policy_error_ = "reading configmap " + cfg_.publish_namespace + "/" + cfg_.policy + ": " +
                    (r ? "HTTP " + std::to_string(r->status) : r.error().message);
    return;
  }
  if (r->status == 404) {
    if (!policy_missing_ || !policy_) {
      io::log_warning("no policy: only the publish namespace's own secrets are published",
                      {{"configmap", cfg_.publish_namespace + "/" + cfg_.policy}});
    }
    policy_ = core::Policy{};
    policy_missing_ = true;
    policy_rv_.clear();
    policy_error_.clear();
    dirty_ = true;
    return;
  }
  const auto j = json::parse(r->body, nullptr, false);
  const std::string rv = j.is_object() && j.contains("metadata") && j["metadata"].is_object()
                             ? j["metadata"].value("resourceVersion", "")
                             : "";
  if (!rv.empty() && rv == policy_rv_ && !policy_missing_) return;
  std::string text;
  if (j.is_object() && j.contains("data") && j["data"].is_object() &&
      j["data"].contains("policy.yaml") && j["data"]["policy.yaml"].is_string()) {
    text = j["data"]["policy.yaml"].get<std::string>();
  } else {
    policy_error_ = "configmap " + cfg_.policy + ": no data key policy.yaml; the last policy stays";
    io::log_error("the policy has no policy.yaml", {{"configmap", cfg_.policy}});
    policy_rv_ = rv;
    return;
  }
  auto p = core::parse_policy(text);
  policy_rv_ = rv;
  if (!p) {
    policy_error_ =
        "configmap " + cfg_.policy + ": " + p.error().message + "; the last policy stays";
    io::log_error("the policy is not valid; the last one stays",
                  {{"configmap", cfg_.policy}, {"error", p.error().message}});
    return;
  }
  io::log_info("policy read", {{"configmap", cfg_.policy}, {"resourceVersion", rv}});
  policy_ = std::move(*p);
  policy_missing_ = false;
  policy_error_.clear();
  dirty_ = true;
}

void Controller::reconcile() {
  std::vector<core::SecretManifest> sources;
  std::vector<core::SecretManifest> published;
  core::Policy policy;
  {
    std::lock_guard lock(mu_);
    if (!policy_) return;
    for (const auto& s : streams_) {
      if (!s.synced) return;
    }
    policy = *policy_;
    for (const auto& s : streams_) {
      for (const auto& [k, v] : s.items) {
        if (s.published) {
          published.push_back(v);
        } else if (!v.labels.contains(std::string(core::k_published_label))) {
          sources.push_back(v);
        }
      }
    }
    dirty_ = false;
  }
  auto plan = make_plan(policy, cfg_.publish_namespace, sources, published);
  const auto applied = writer_.apply(plan, published, [this] { return elector_.leading(); });
  std::uint64_t events = 0;
  std::set<std::string> evented;
  for (const auto& r : plan.refusals) {
    const auto id = r.uid + "/" + r.resource_version + "/" + r.key + "/" + verdict_name(r.verdict);
    evented.insert(id);
    bool seen = false;
    {
      std::lock_guard lock(mu_);
      seen = evented_.contains(id);
    }
    if (seen || !elector_.leading()) continue;
    io::log_warning("not published", {{"secret", r.ns + "/" + r.name},
                                      {"verdict", verdict_name(r.verdict)},
                                      {"reason", r.reason}});
    if (writer_.post_refusal(r)) ++events;
  }
  std::lock_guard lock(mu_);
  // A refusal still in force keeps its mark; one that is gone loses it (a later one gets an
  // Event again).
  std::erase_if(evented_, [&](const std::string& id) { return !evented.contains(id); });
  if (elector_.leading()) evented_.insert(evented.begin(), evented.end());
  last_plan_ = std::move(plan);
  planned_ = true;
  ++passes_;
  created_ += static_cast<std::uint64_t>(applied.created);
  updated_ += static_cast<std::uint64_t>(applied.updated);
  deleted_ += static_cast<std::uint64_t>(applied.deleted);
  write_failures_ += static_cast<std::uint64_t>(applied.failed);
  events_ += events;
  if (applied.failed > 0) dirty_ = true;  // try again on the next tick
}

void Controller::loop() {
  bool was_leading = false;
  auto next_retry = steady::now();
  while (!stop_) {
    if (steady::now() >= next_policy_read_) {
      read_policy();
      next_policy_read_ = steady::now() + cfg_.policy_interval;
    }
    const bool leading = elector_.leading();
    if (leading && !was_leading) mark_dirty();  // a new term starts from what it reads
    was_leading = leading;
    bool run = false;
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(500), [this] { return dirty_ || stop_; });
      run = dirty_ && leading && steady::now() >= next_retry;
    }
    if (stop_) break;
    if (!run) continue;
    // Coalesce: a storm of changes makes one pass.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    reconcile();
    next_retry = steady::now() + std::chrono::seconds(1);
  }
}

bool Controller::healthy() const {
  // Alive: a policy that cannot be read is shown in status and metrics, not cured by a restart.
  return !stop_;
}

json Controller::status() const {
  json streams = json::array();
  for (const auto& s : streams_)
    streams.push_back(s.reflector->status());
  std::lock_guard lock(mu_);
  json refusals = json::array();
  for (const auto& r : last_plan_.refusals) {
    json j = {{"secret", r.ns + "/" + r.name},
              {"verdict", verdict_name(r.verdict)},
              {"reason", r.reason}};
    if (!r.key.empty()) j["key"] = r.key;
    refusals.push_back(std::move(j));
  }
  json published = json::array();
  for (const auto& p : last_plan_.publish) {
    json j = {{"name", cfg_.publish_namespace + "/" + p.name},
              {"origin", p.origin_ns + "/" + p.origin_name},
              {"keys", p.keys}};
    if (!p.serves_namespace.empty()) j["servesNamespace"] = p.serves_namespace;
    published.push_back(std::move(j));
  }
  json claims = json::object();
  for (const auto& [k, holders] : last_plan_.claims)
    claims[k] = std::vector<std::string>(holders.begin(), holders.end());
  json policy = {{"configmap", cfg_.publish_namespace + "/" + cfg_.policy},
                 {"read", policy_.has_value()},
                 {"missing", policy_missing_},
                 {"resourceVersion", policy_rv_}};
  if (!policy_error_.empty()) policy["error"] = policy_error_;
  return {{"election", elector_.status()},
          {"policy", std::move(policy)},
          {"planned", planned_},
          {"published", std::move(published)},
          {"refused", std::move(refusals)},
          {"claims", std::move(claims)},
          {"streams", std::move(streams)}};
}

std::string Controller::metrics() const {
  const bool leading = elector_.leading();
  std::uint64_t watches = 0, relists = 0;
  for (const auto& s : streams_) {
    const auto c = s.reflector->counters();
    watches += c.watches;
    relists += c.relists;
  }
  std::lock_guard lock(mu_);
  std::map<std::string, int> refused;
  for (const auto& r : last_plan_.refusals)
    ++refused[verdict_name(r.verdict)];
  std::ostringstream m;
  m << "# HELP regcred_publisher_leading 1 while this replica holds the lease.\n"
    << "# TYPE regcred_publisher_leading gauge\nregcred_publisher_leading " << (leading ? 1 : 0)
    << "\n# HELP regcred_publisher_published_secrets Secrets published for nodes.\n"
    << "# TYPE regcred_publisher_published_secrets gauge\nregcred_publisher_published_secrets "
    << last_plan_.publish.size()
    << "\n# HELP regcred_publisher_refused Keys or secrets not published, by verdict.\n"
    << "# TYPE regcred_publisher_refused gauge\n";
  for (const auto& [v, n] : refused)
    m << "regcred_publisher_refused{verdict=\"" << v << "\"} " << n << "\n";
  m << "# HELP regcred_publisher_writes_total Published secrets written, by operation.\n"
    << "# TYPE regcred_publisher_writes_total counter\n"
    << "regcred_publisher_writes_total{op=\"create\"} " << created_ << "\n"
    << "regcred_publisher_writes_total{op=\"update\"} " << updated_ << "\n"
    << "regcred_publisher_writes_total{op=\"delete\"} " << deleted_ << "\n"
    << "# HELP regcred_publisher_write_failures_total Writes the API server refused or missed.\n"
    << "# TYPE regcred_publisher_write_failures_total counter\n"
    << "regcred_publisher_write_failures_total " << write_failures_ << "\n"
    << "# HELP regcred_publisher_events_total Events posted on refused secrets.\n"
    << "# TYPE regcred_publisher_events_total counter\nregcred_publisher_events_total " << events_
    << "\n# HELP regcred_publisher_policy_ok 0 while the policy cannot be read or is invalid.\n"
    << "# TYPE regcred_publisher_policy_ok gauge\nregcred_publisher_policy_ok "
    << (policy_error_.empty() && policy_ ? 1 : 0)
    << "\n# HELP regcred_publisher_watches_total Watches opened.\n"
    << "# TYPE regcred_publisher_watches_total counter\nregcred_publisher_watches_total " << watches
    << "\n# HELP regcred_publisher_relists_total Lists after the first.\n"
    << "# TYPE regcred_publisher_relists_total counter\nregcred_publisher_relists_total " << relists
    << "\n";
  return m.str();
}

}  // namespace regcred::publisher
