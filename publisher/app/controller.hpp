// controller.hpp: regcred-publisher's loop. Reflectors keep the labelled pull secrets of every
// namespace and the objects published already; the policy is read every --policy-interval.
// While this replica leads, each change (coalesced for 100 ms) makes a plan and the writer
// applies it; nothing is written before every stream has listed and the policy was read, so a
// replica that starts, or the API server coming back, never withdraws what nodes have.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/core/policy.hpp"
#include "common/kube/reflector.hpp"
#include "publisher/app/writer.hpp"
#include "publisher/config/config.hpp"
#include "publisher/election/elector.hpp"

namespace regcred::publisher {

class Controller {
 public:
  Controller(Config cfg, kube::Connection conn);
  ~Controller();
  void start();
  void stop();  // releases the lease when leading
  nlohmann::json status() const;
  std::string metrics() const;
  bool healthy() const;

 private:
  struct Stream {
    std::unique_ptr<kube::Reflector> reflector;
    bool published = false;                             // the publish namespace's own objects
    std::map<std::string, core::SecretManifest> items;  // "ns/name" ->
    bool synced = false;
  };
  kube::ReflectorCallbacks callbacks(std::size_t stream);
  void loop();
  void read_policy();
  void reconcile();
  void mark_dirty();

  Config cfg_;
  kube::CredentialSource creds_;
  Elector elector_;
  Writer writer_;
  kube::Client policy_client_;
  std::vector<Stream> streams_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool dirty_ = true;
  std::optional<core::Policy> policy_;
  std::string policy_rv_;
  std::string policy_error_;
  bool policy_missing_ = false;
  std::chrono::steady_clock::time_point next_policy_read_{};

  // The last pass (for status and metrics).
  Plan last_plan_;
  bool planned_ = false;
  std::set<std::string> evented_;  // refusals with an Event already: uid/rv/key/verdict
  std::uint64_t passes_ = 0, created_ = 0, updated_ = 0, deleted_ = 0, write_failures_ = 0,
                events_ = 0;
};

}  // namespace regcred::publisher
