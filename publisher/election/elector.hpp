// elector.hpp: this replica's part in the leader election (client-go's LeaderElector over a
// Lease): a standby tries every retry period (with client-go's jitter of 1.2), the leader
// renews every retry period, and leading() turns false the moment the last renewal is a renew
// deadline old, before any other replica could take the lease (renew deadline < duration).
// Runs on its own thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "common/kube/http.hpp"
#include "publisher/election/lease.hpp"

namespace regcred::publisher {

struct ElectionOptions {
  std::string ns;
  std::string name;
  std::string identity;
  std::chrono::seconds lease_duration{15};
  std::chrono::seconds renew_deadline{10};
  std::chrono::seconds retry_period{2};
};

class Elector {
 public:
  Elector(kube::CredentialSource& creds, ElectionOptions options, std::string user_agent);
  // The thread body; returns after stop(), having released the lease if it held it.
  void run();
  void stop();
  // Whether this replica may write now.
  bool leading() const;
  nlohmann::json status() const;

 private:
  bool try_acquire_or_renew();
  void release();
  bool sleep_for(std::chrono::milliseconds d);
  std::string path() const;

  ElectionOptions opt_;
  kube::CredentialSource& creds_;
  kube::Client client_;
  std::string user_agent_;
  std::mt19937_64 rng_{std::random_device{}()};
  std::atomic<bool> stop_{false};
  std::mutex wait_mu_;
  std::condition_variable wait_cv_;

  Observed observed_;
  bool observed_any_ = false;

  mutable std::mutex mu_;
  bool leader_ = false;
  std::chrono::steady_clock::time_point last_renew_{};
  std::uint64_t terms_ = 0;
  std::string last_error_;
};

}  // namespace regcred::publisher
