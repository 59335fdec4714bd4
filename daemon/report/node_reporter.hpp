// node_reporter.hpp: the node's RegistryCredentialsReady condition and its events, as
// node-problem-detector reports: a strategic-merge PATCH of nodes/{name}/status (merged by
// condition type, so kubelet's own conditions stay), heartbeats every 5 minutes, and an Event
// on each transition. Runs on its own thread (blocking requests); report() is cheap.
#pragma once

#include <memory>
#include <string>

#include "common/core/result.hpp"
#include "common/kube/kubeconfig.hpp"

namespace regcred::kube {

inline constexpr std::string_view k_condition_type = "RegistryCredentialsReady";

struct NodeCondition {
  std::string status;  // True, False, Unknown
  std::string reason;  // CamelCase
  std::string message;
  friend bool operator==(const NodeCondition&, const NodeCondition&) = default;
};

class NodeReporter {
 public:
  NodeReporter(Connection conn, std::string node_name);
  ~NodeReporter();
  NodeReporter(const NodeReporter&) = delete;
  NodeReporter& operator=(const NodeReporter&) = delete;

  // The condition now; sent when it changed (with an Event when status or reason did) and as a
  // heartbeat otherwise.
  void report(NodeCondition c);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace regcred::kube
