// source_feed.hpp: the sources of the running configuration and what they tell the store. Single
// changes are only noted as they arrive and applied together in one turn of the loop: a storm of
// updates to one secret costs one evaluation per burst, and the status socket's requests are
// not queued behind thousands of them. A whole state (a relist, a scan) first applies what was
// noted, so older single changes never land on top of it.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/core/result.hpp"
#include "daemon/app/loop.hpp"
#include "daemon/config/config.hpp"
#include "daemon/handlers/view.hpp"
#include "daemon/sources/source.hpp"
#include "daemon/sync/store.hpp"

namespace boost::asio {
class io_context;
}

namespace regcred::daemon {

class SourceFeed final : public SourceEvents {
 public:
  struct Hooks {
    std::function<void(bool whole)> changed;  // the store changed (whole: a stream replaced)
    std::function<void()> synced;             // every stream delivered a full state, once
  };
  SourceFeed(boost::asio::io_context& io, Loop& loop, sync::Store& store, SyncProgress& progress,
             Hooks hooks);

  // The sources of `cfg`, in place of the running ones (stopped first). The streams the new
  // configuration no longer has leave the store: the operator removed them.
  Result<void> configure(const Config& cfg);
  void start();
  void stop();
  const std::vector<std::unique_ptr<Source>>& sources() const { return sources_; }

  void replace(const std::string& stream, std::vector<core::SecretManifest> secrets) override;
  void changes(const std::string& stream, std::vector<core::SecretChange> batch) override;
  void synced(const std::string& stream) override;

 private:
  struct PendingChange {
    std::string stream;
    core::SecretManifest secret;
    bool removed = false;
  };
  void apply_pending();
  std::string source_of(const std::string& stream) const;

  boost::asio::io_context& io_;
  Loop& loop_;
  sync::Store& store_;
  SyncProgress& progress_;
  Hooks hooks_;
  std::vector<std::unique_ptr<Source>> sources_;
  std::set<std::string> known_streams_;
  std::map<std::string, std::string> stream_source_;      // stream -> its source's name
  std::map<std::string, PendingChange> pending_changes_;  // stream \n ns \n name -> latest
  bool apply_posted_ = false;
};

}  // namespace regcred::daemon
