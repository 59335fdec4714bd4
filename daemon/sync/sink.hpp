// sink.hpp: keeping one docker-format config.json in step with the store, without touching
// what a user wrote. plan_sink() is the pure merge; FileSink adds the safe read and the atomic
// write (common/io/safe_file.hpp).
//
// Ownership: for each key it wrote, the daemon remembers fingerprints (SHA-256) of the entry as
// it wrote it. An entry in the file is the daemon's only while its fingerprint is one of those;
// one the user edited, or wrote before us, is the user's. The daemon never overwrites or removes
// a user's entry: a store key that meets one is a conflict, reported in status.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/docker_config.hpp"
#include "common/core/result.hpp"
#include "common/io/safe_file.hpp"
#include "daemon/sync/store.hpp"

namespace regcred::sync {

// key -> fingerprints of entries the daemon wrote under it. More than one only between
// recording an intent and the write that carries it out (see FileSink::sync).
using OwnedKeys = std::map<std::string, std::set<std::string>>;

std::string fingerprint(const core::AuthEntry& e);

// The entry the daemon writes for a store entry: `auth`, plus email and identitytoken when the
// secret has them.
core::AuthEntry entry_for(const StoreEntry& s);

// One entry of the file as written, what lets the next change re-render only its own entries.
struct SinkItem {
  std::string key;
  std::string text;   // core::entry_text
  bool ours = false;  // the daemon's entry (its fingerprints are in the records)
  core::Json extra;   // the daemon's entry: fields a tool added (null: none), kept on re-render
};

struct SinkPlan {
  std::string text;                    // the file to write
  bool changed = false;                // text differs from the current file
  OwnedKeys owned;                     // what the daemon owns once `text` is written
  std::vector<std::string> conflicts;  // store keys held by a user's entry
  std::size_t managed = 0;             // entries of ours in `text`
  core::DockerConfig::Layout layout;   // text = assemble(layout, the items' texts)
  std::vector<SinkItem> items;         // in file order
};

// `current` is the file's text (nullopt: no file). Fails when it is not a docker config: a file
// the daemon cannot parse is not rewritten.
Result<SinkPlan> plan_sink(const std::optional<std::string>& current, const OwnedKeys& owned,
                           const std::map<std::string, StoreEntry>& desired);

struct SinkStatus {
  std::string path;
  std::string kind;  // "docker" or "kubelet"
  bool ok = true;
  std::string error;
  std::vector<std::string> conflicts;
  std::size_t managed = 0;
  std::uint64_t writes = 0;
  std::optional<std::chrono::system_clock::time_point> last_write;
  std::optional<std::chrono::system_clock::time_point> last_sync;
};

// What a file gets: the node-wide entries, or, for a docker config in a folder root owns (root's
// own file), those with root's node-local credentials over them (Store::with_local).
struct Desired {
  const std::map<std::string, StoreEntry>& node;
  const std::map<std::string, StoreEntry>& root;
};

class FileSink {
 public:
  FileSink(std::string path, std::string kind);

  // Reads the file, merges, and writes it when the content changes. `owned` is the daemon's
  // record for this file, kept up to date here; `record` persists changes to it: called with the
  // fingerprints about to be written before the write (it must not return before they are
  // durable) and with the ones the write replaced after it, so a crash in between never makes
  // the daemon's own entry look like a user's.
  //
  // `changed` names the store keys that may differ since the last sync (Store::changed_since);
  // when the file still reads as this sink last left it, only those entries are re-rendered.
  // nullopt, or a file someone else wrote since, merges the whole file again.
  using Recorder = std::function<Result<void>(const OwnedKeys& added, const OwnedKeys& removed)>;
  Result<void> sync(const Desired& desired, const std::optional<std::vector<std::string>>& changed,
                    OwnedKeys& owned, const Recorder& record);

  const SinkStatus& status() const { return status_; }
  const std::string& path() const { return status_.path; }

 private:
  // The file as this sink last wrote or read it: its entries' texts, and the size and hash of
  // its text to recognise it.
  struct Written {
    core::DockerConfig::Layout layout;
    std::vector<SinkItem> items;
    std::vector<std::uint32_t> by_key;  // indexes into items, sorted by key (4 bytes an entry)
    // Where `key` is or would go in by_key.
    std::vector<std::uint32_t>::const_iterator position(const std::string& key) const;
    const SinkItem* find(const std::string& key) const;
    SinkItem* find(const std::string& key);
    void add(SinkItem item);
    void index_all();
    std::set<std::string> conflicts;
    std::size_t managed = 0;
    std::size_t size = 0;
    std::size_t hash = 0;
  };
  static Written remember(SinkPlan plan, const std::string& text);
  Result<void> sync_whole(const io::Dir& dir, const std::string& name,
                          const std::map<std::string, StoreEntry>& desired,
                          std::optional<io::FileContent> current, OwnedKeys& owned,
                          const Recorder& record);
  Result<void> write(const io::Dir& dir, const std::string& name, const std::string& text,
                     mode_t mode, const OwnedKeys& added, const OwnedKeys& removed,
                     OwnedKeys& owned, const Recorder& record);

  SinkStatus status_;
  std::optional<Written> written_;
  bool wrote_root_ = false;  // written_ came from Desired::root
};

}  // namespace regcred::sync
