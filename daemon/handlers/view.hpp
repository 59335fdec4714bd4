// view.hpp: what the status socket's handlers read of the daemon. The handlers change nothing
// the daemon holds; the store's view() and table() only bring its caches up to date, which is
// why it is not const here.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "daemon/app/file_sync.hpp"
#include "daemon/app/pull_tests.hpp"
#include "daemon/config/config.hpp"
#include "daemon/sources/source.hpp"
#include "daemon/sync/store.hpp"

namespace regcred::daemon {

// How far the daemon is: kept by the daemon as it goes.
struct SyncProgress {
  std::chrono::system_clock::time_point started = std::chrono::system_clock::now();
  std::set<std::string> waiting;  // streams that have not delivered a full state yet
  bool synced = false;            // every stream has, once
  bool written = false;           // the files were written after that
  std::optional<std::chrono::system_clock::time_point> last_write;
  std::uint64_t writes = 0;  // syncs of the files (one per change burst)
  std::string state_error;   // the state folder's last save failed with this

  bool ready() const { return synced && written; }
  std::string waiting_list() const;  // "a, b"
};

struct DaemonView {
  const Config& config;
  sync::Store& store;
  const std::vector<std::unique_ptr<Source>>& sources;
  const FileSync& files;
  const PullTests& pull_tests;
  const SyncProgress& progress;
};

}  // namespace regcred::daemon
