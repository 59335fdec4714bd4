// file_sync.hpp: the node's credential files (the sinks) and the record of which entries
// regcredd wrote in each (sinks.json and its journal). write() brings every file in step with
// the store: with a file as it was left, only the entries of the keys that changed since the
// last write are rendered again.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "common/core/result.hpp"
#include "daemon/sync/sink.hpp"
#include "daemon/sync/state.hpp"
#include "daemon/sync/store.hpp"

namespace regcred::daemon {

// Before any source: the node-local credentials (docker-credential-regcred store), and what the
// daemon served before it stopped, served until the sources deliver a full state, so that the
// helpers keep getting answers while the API server is down. A file that cannot be read is
// logged and served without.
void restore_served(const std::string& state_dir, sync::Store& store);

class FileSync {
 public:
  explicit FileSync(const std::string& state_dir) : journal_(state_dir) {}

  // Reads the record (sinks.json with its journal replayed) and folds the journal in.
  Result<void> load();
  // The files to keep: docker config.json files, then kubelet's (empty: none).
  void set_files(const std::vector<std::string>& docker_configs, const std::string& kubelet_config);

  // Writes every file that differs from the store; false when one failed (it keeps its old
  // content, and its status says why). Logs each new conflict once.
  bool write(sync::Store& store);

  const std::vector<sync::FileSink>& sinks() const { return sinks_; }

 private:
  void compact_if_due();

  std::vector<sync::FileSink> sinks_;
  sync::SinkRecords records_;
  sync::SinkJournal journal_;
  std::set<std::string> reported_conflicts_;
  std::uint64_t files_generation_ = 0;  // the store generation the files were written at
};

}  // namespace regcred::daemon
