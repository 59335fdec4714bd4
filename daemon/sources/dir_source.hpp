// dir_source.hpp: Secret manifests in a folder (*.yaml, *.yml, *.json; dot files are skipped),
// as `kubectl get secret -o yaml` prints them. Changes arrive by inotify (no polling); a burst
// of changes is read once. A file that does not parse keeps its last good secrets and is shown
// with its error; the other files keep syncing. A file that is removed takes its secrets along.
#pragma once

#include <memory>
#include <string>

#include "common/core/label_selector.hpp"
#include "daemon/sources/source.hpp"

namespace boost::asio {
class io_context;
}

namespace regcred::daemon {

class DirSource : public Source {
 public:
  DirSource(boost::asio::io_context& io, SourceEvents& events, std::string dir,
            std::vector<std::string> namespaces, core::LabelSelector selector);
  ~DirSource() override;
  void start() override;
  void stop() override;
  std::string name() const override;
  std::vector<std::string> streams() const override;
  nlohmann::json status() const override;
  SourceCounters counters() const override { return {}; }
  // Reads the folder again now (SIGHUP).
  void rescan();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace regcred::daemon
