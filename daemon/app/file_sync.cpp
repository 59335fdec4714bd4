#include "daemon/app/file_sync.hpp"

#include "common/io/local_store.hpp"
#include "common/io/log.hpp"
#include "common/io/state_folder.hpp"

namespace regcred::daemon {

void restore_served(const std::string& state_dir, sync::Store& store) {
  if (auto local = io::load_local(state_dir); local) {
    store.set_local(*local);
  } else if (local.error().code != Code::not_found) {
    io::log_error("cannot read the node-local credentials; serving without them",
                  {{"error", local.error().message}});
  }
  if (auto prev = io::state_folder::read_previous(state_dir); prev && !prev->empty()) {
    store.set_previous(*prev);
    io::log_info("serving the previous credentials until the first full sync",
                 {{"registries", std::to_string(prev->size())}});
  }
}

Result<void> FileSync::load() {
  auto records = journal_.load();
  if (!records) return fail(records.error());
  records_ = std::move(*records);
  return journal_.compact(records_);
}

void FileSync::set_files(const std::vector<std::string>& docker_configs,
                         const std::string& kubelet_config) {
  sinks_.clear();
  for (const auto& p : docker_configs)
    sinks_.emplace_back(p, "docker");
  if (!kubelet_config.empty()) sinks_.emplace_back(kubelet_config, "kubelet");
}

bool FileSync::write(sync::Store& store) {
  const sync::Desired desired{store.view().entries, store.with_local()};
  const auto changed = store.changed_since(files_generation_);
  bool all_ok = true;
  for (auto& sink : sinks_) {
    auto& owned = records_[sink.path()];
    auto r = sink.sync(desired, changed, owned,
                       [&](const sync::OwnedKeys& added, const sync::OwnedKeys& removed) {
                         return journal_.append(sink.path(), added, removed);
                       });
    if (!r) {
      all_ok = false;
      io::log_error("cannot write a credential file; it keeps its old content",
                    {{"file", sink.path()}, {"error", r.error().message}});
    }
    for (const auto& c : sink.status().conflicts) {
      if (reported_conflicts_.insert(sink.path() + "\n" + c).second) {
        io::log_warning("entry written by someone else; not overwriting it",
                        {{"file", sink.path()}, {"key", c}});
      }
    }
  }
  files_generation_ = store.generation();
  store.forget_changes_through(files_generation_);
  compact_if_due();
  return all_ok;
}

// The journal is folded into sinks.json once it holds as many lines as the records: a whole
// merge right away, one change at a time once in so many changes.
void FileSync::compact_if_due() {
  if (journal_.lines() <= 1024) return;
  std::size_t owned = 0;
  for (const auto& [path, keys] : records_)
    owned += keys.size();
  if (journal_.lines() < owned) return;
  if (auto r = journal_.compact(records_); !r) {
    io::log_error("cannot write the sink record", {{"error", r.error().message}});
  }
}

}  // namespace regcred::daemon
