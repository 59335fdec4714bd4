#include "daemon/report/node_reporter.hpp"
#include "common/core/json_fields.hpp"

#include <chrono>
#include <cstdlib>
#include <optional>

#include <nlohmann/json.hpp>

#include "common/io/log.hpp"
#include "common/io/time_text.hpp"
#include "common/kube/event.hpp"
#include "common/kube/http.hpp"
#include "daemon/kube/api_thread.hpp"

namespace regcred::kube {
namespace {

using nlohmann::json;
using std::chrono::system_clock;

std::chrono::seconds heartbeat_period() {
  if (const char* v = std::getenv("REGCRED_NODE_HEARTBEAT_S"); v != nullptr) {  // tests only
    return std::chrono::seconds(std::atol(v));
  }
  return std::chrono::minutes(5);  // node-problem-detector's default
}

}  // namespace

struct NodeReporter::Impl : ApiThread {
  Impl(Connection conn, std::string node) : ApiThread(std::move(conn)), node_name(std::move(node)) {
    start([this] { run(); });
  }
  ~Impl() { stop(); }

  void report(NodeCondition c) {
    {
      std::lock_guard lock(mu);
      if (wanted && *wanted == c) return;
      wanted = std::move(c);
    }
    cv.notify_all();
  }

  void run() {
    std::optional<NodeCondition> sent;
    system_clock::time_point transition = system_clock::now();
    auto next_heartbeat = std::chrono::steady_clock::now();
    std::chrono::seconds backoff(1);
    std::unique_lock lock(mu);
    while (!stopping) {
      if (!wanted ||
          (sent && *sent == *wanted && std::chrono::steady_clock::now() < next_heartbeat)) {
        cv.wait_until(lock, next_heartbeat);
        if (!wanted ||
            (sent && *sent == *wanted && std::chrono::steady_clock::now() < next_heartbeat))
          continue;
      }
      if (stopping) break;
      NodeCondition c = *wanted;
      lock.unlock();
      if (node_uid.empty()) fetch_uid();
      const bool transitioned = !sent || sent->status != c.status || sent->reason != c.reason;
      if (transitioned) transition = system_clock::now();
      bool ok = patch(c, transition);
      if (ok && transitioned) post_event(c);
      lock.lock();
      if (ok) {
        sent = c;
        backoff = std::chrono::seconds(1);
        next_heartbeat = std::chrono::steady_clock::now() + heartbeat_period();
      } else {
        // The API server may be down: keep the latest condition, try again later.
        cv.wait_for(lock, backoff, [this] { return stopping; });
        backoff = std::min(backoff * 2, std::chrono::seconds(30));
      }
    }
  }

  void fetch_uid() {
    auto r = client.get("/api/v1/nodes/" + node_name + "?resourceVersion=0");
    if (!r || r->status != 200) return;
    auto j = json::parse(r->body, nullptr, false);
    if (j.is_object() && j.contains("metadata"))
      node_uid = core::json_value(j["metadata"], "uid", "");
  }

  bool patch(const NodeCondition& c, system_clock::time_point transition) {
    const std::string now = io::rfc3339(system_clock::now());
    json cond = {{"type", k_condition_type}, {"status", c.status},
                 {"reason", c.reason},       {"message", c.message},
                 {"lastHeartbeatTime", now}, {"lastTransitionTime", io::rfc3339(transition)}};
    json body = {{"status", {{"conditions", json::array({cond})}}}};
    auto r = client.send("PATCH", "/api/v1/nodes/" + node_name + "/status",
                         "application/strategic-merge-patch+json", core::json_text(body));
    if (!r || r->status / 100 != 2) {
      io::log_warning("cannot set the node condition; will retry",
                      {{"node", node_name},
                       {"error", r ? "HTTP " + std::to_string(r->status) : r.error().message}});
      return false;
    }
    return true;
  }

  void post_event(const NodeCondition& c) {
    const json ev = event_object(
        {"default",
         {{"kind", "Node"}, {"name", node_name}, {"uid", node_uid}, {"apiVersion", "v1"}},
         c.reason,
         c.message,
         c.status == "True" ? "Normal" : "Warning",
         "regcredd",
         node_name});
    auto r = client.send("POST", "/api/v1/namespaces/default/events", "application/json",
                         core::json_text(ev));
    if (!r || r->status / 100 != 2) {
      io::log_warning("cannot post the node event", {{"node", node_name}, {"reason", c.reason}});
    }
  }

  std::string node_name;
  std::string node_uid;
  std::optional<NodeCondition> wanted;
};

NodeReporter::NodeReporter(Connection conn, std::string node_name)
    : impl_(std::make_unique<Impl>(std::move(conn), std::move(node_name))) {}
NodeReporter::~NodeReporter() = default;
void NodeReporter::report(NodeCondition c) {
  impl_->report(std::move(c));
}

}  // namespace regcred::kube
