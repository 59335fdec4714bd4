// reflector.hpp: list+watch of one secret stream, as client-go's reflector does it: a paged list
// (limit 500, continue), then a watch from the list's resourceVersion with allowWatchBookmarks=true
// and a random timeoutSeconds of 300-600 s; a watch that ends is resumed from the last
// resourceVersion (bookmarks included); 410 Gone, as HTTP status or as an ERROR event, relists;
// errors back off 0.8 s doubling to 30 s with full jitter, reset after 2 minutes of calm; 429 and
// 5xx wait for Retry-After; a 401 re-reads the credential first. A relist replaces the stream's
// state in one step, so nothing is deleted before the API server has answered.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/core/secret_manifest.hpp"
#include "common/kube/http.hpp"
#include "common/kube/list_watch.hpp"

namespace regcred::kube {

struct ReflectorCallbacks {
  std::function<void(std::vector<core::SecretManifest>)> replace;
  // What one read of the watch brought, in order; never empty.
  std::function<void(std::vector<core::SecretChange>)> changes;
  std::function<void()> synced;
};

// What a reflector counts, for the metrics.
struct ReflectorCounters {
  std::uint64_t watches = 0;  // watches opened (each after the first is a restart)
  std::uint64_t relists = 0;  // lists after the first (410 Gone, restarts without history)
};

struct ReflectorOptions {
  std::chrono::milliseconds backoff_initial{800};
  std::chrono::milliseconds backoff_max{30000};
  std::chrono::seconds backoff_reset{120};
  std::chrono::seconds watch_timeout_min{300};
  std::chrono::seconds idle_timeout{150};  // no byte for this long: the connection is dead
  int page_limit = 500;
  std::string user_agent;  // "" keeps the client's own
};

class Reflector {
 public:
  Reflector(StreamSpec spec, CredentialSource& creds, ReflectorCallbacks cb,
            ReflectorOptions options);
  // The thread body; returns after stop().
  void run();
  void stop();
  nlohmann::json status() const;
  ReflectorCounters counters() const;

 private:
  enum class Outcome { relist, rewatch, backoff_rewatch, backoff_relist, stopped };
  Outcome list();
  Outcome watch();
  Outcome on_status_error(long status, const std::string& body, std::optional<long> retry_after,
                          bool listing);
  void sleep_backoff(std::optional<long> retry_after);
  bool sleep_for(std::chrono::milliseconds d);
  void set_state(std::string state, std::string error = "");

  StreamSpec spec_;
  CredentialSource& creds_;
  ReflectorCallbacks cb_;
  ReflectorOptions opt_;
  Client client_;
  std::mt19937_64 rng_{std::random_device{}()};

  std::atomic<bool> stop_{false};
  std::mutex wait_mu_;
  std::condition_variable wait_cv_;

  std::string rv_;  // last resourceVersion seen (list, event or bookmark)
  // The server said rv_ is gone (a list's 410 or ResourceVersionTooLarge): list from etcd.
  bool rv_unavailable_ = false;
  // The server paged a list: relists ask for pages too.
  bool paginated_ = false;
  Backoff backoff_;

  mutable std::mutex status_mu_;
  std::string state_ = "starting";
  std::string error_;
  bool synced_ = false;
  std::uint64_t lists_ = 0, relists_ = 0, watches_ = 0, events_ = 0, bookmarks_ = 0, errors_ = 0;
  std::optional<std::chrono::system_clock::time_point> last_list_, last_event_;
};

}  // namespace regcred::kube
