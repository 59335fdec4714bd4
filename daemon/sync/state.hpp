// state.hpp: what of the state folder is the daemon's alone: the record of the entries it wrote
// in each sink file (sinks.json with its journal), and the store's namespace tables for
// namespaces.json. The rest of the folder (layout, writer, reader) is
// common/io/state_folder.hpp.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/core/result.hpp"
#include "common/io/safe_file.hpp"
#include "common/io/state_folder.hpp"
#include "daemon/sync/sink.hpp"
#include "daemon/sync/store.hpp"

namespace regcred::sync {

using StateSnapshot = io::state_folder::Snapshot;
using io::state_folder::NamespaceTables;

// namespaces.json's tables: every namespace's accepted secrets, merged.
NamespaceTables namespace_tables(const Store& store);

using SinkRecords = std::map<std::string, OwnedKeys>;  // sink path -> owned keys
Result<SinkRecords> load_sink_records(const std::string& state_dir);
Result<void> save_sink_records(const std::string& state_dir, const SinkRecords& records);

// sinks.journal: what changed in the records since sinks.json was written, one JSON line per
// fingerprint, {"sink":path,"op":"+"|"-","key":key,"fp":hex}, replayed over sinks.json when
// loading. A change to a big file then costs a few appended lines, not a rewrite of every
// record; compact() folds the journal back into sinks.json.

class SinkJournal {
 public:
  explicit SinkJournal(std::string state_dir) : state_dir_(std::move(state_dir)) {}
  // sinks.json with the journal replayed. A last line without its newline (the daemon died in
  // the middle of appending it, before the write it announced) is ignored.
  Result<SinkRecords> load();
  // Appends; the added fingerprints are on disk (fdatasync) when it returns.
  Result<void> append(const std::string& sink, const OwnedKeys& added, const OwnedKeys& removed);
  // sinks.json := records, then the journal is emptied. Replaying a journal over a sinks.json
  // that already holds its effect changes nothing, so a crash in between loses nothing.
  Result<void> compact(const SinkRecords& records);
  // Lines appended since the last compaction.
  std::size_t lines() const { return lines_; }

 private:
  Result<void> open(bool truncate);  // fd_ := the journal, for appending

  std::string state_dir_;
  io::Fd fd_;
  std::size_t lines_ = 0;
};

// Makes the state folder (0700) if needed.
Result<void> prepare_state_dir(const std::string& state_dir);

}  // namespace regcred::sync
