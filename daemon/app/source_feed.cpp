#include "daemon/app/source_feed.hpp"

#include "common/core/label_selector.hpp"
#include "common/core/published.hpp"
#include "common/io/log.hpp"
#include "daemon/sources/dir_source.hpp"
#include "daemon/sources/kube_source.hpp"

namespace regcred::daemon {

SourceFeed::SourceFeed(boost::asio::io_context& io, Loop& loop, sync::Store& store,
                       SyncProgress& progress, Hooks hooks)
    : io_(io), loop_(loop), store_(store), progress_(progress), hooks_(std::move(hooks)) {}

Result<void> SourceFeed::configure(const Config& cfg) {
  stop();
  sources_.clear();
  progress_.waiting.clear();
  REGCRED_TRY_ASSIGN(auto selector, core::LabelSelector::parse(cfg.label_selector));
  // Namespace-scoped credentials: the sources take every pull secret; the selector decides in
  // the store what reaches the node-wide files.
  Config source_cfg = cfg;
  if (!cfg.published_namespace.empty()) {
    // Published mode: the publisher chose what nodes get; its namespace-scoped copies stay out
    // of the node-wide files whether or not this node answers per namespace.
    REGCRED_TRY_ASSIGN(auto node_wide, core::LabelSelector::parse(core::k_node_wide_selector));
    store_.set_node_selector(std::move(node_wide));
  } else if (cfg.namespace_credentials) {
    store_.set_node_selector(selector);
    source_cfg.label_selector.clear();
    REGCRED_TRY_ASSIGN(selector, core::LabelSelector::parse(""));
  } else {
    store_.set_node_selector(core::LabelSelector{});
  }
  if (!cfg.secrets_dir.empty()) {
    sources_.push_back(
        std::make_unique<DirSource>(io_, *this, cfg.secrets_dir, cfg.namespaces, selector));
  }
  if (cfg.has_kube_source()) {
    REGCRED_TRY_ASSIGN(auto kube, make_kube_source(io_, *this, source_cfg));
    sources_.push_back(std::move(kube));
  }
  std::set<std::string> streams;
  for (const auto& s : sources_) {
    for (const auto& st : s->streams()) {
      streams.insert(st);
      progress_.waiting.insert(st);
      stream_source_[st] = s->name();
    }
  }
  for (const auto& old : known_streams_) {
    if (!streams.contains(old)) store_.drop_stream(old);
  }
  known_streams_ = std::move(streams);
  return ok();
}

void SourceFeed::start() {
  for (auto& s : sources_)
    s->start();
}

void SourceFeed::stop() {
  for (auto& s : sources_)
    s->stop();
}

void SourceFeed::replace(const std::string& stream, std::vector<core::SecretManifest> secrets) {
  apply_pending();
  io::log_debug("stream state replaced",
                {{"stream", stream}, {"secrets", std::to_string(secrets.size())}});
  store_.replace(stream, secrets, source_of(stream));
  hooks_.changed(/*whole=*/true);
}

void SourceFeed::changes(const std::string& stream, std::vector<core::SecretChange> batch) {
  for (auto& c : batch) {
    std::string key = stream + '\n' + c.secret.namespace_ + '\n' + c.secret.name;
    pending_changes_.insert_or_assign(std::move(key),
                                      PendingChange{stream, std::move(c.secret), c.removed});
  }
  if (apply_posted_) return;
  apply_posted_ = true;
  loop_.post([this] { apply_pending(); });
}

void SourceFeed::synced(const std::string& stream) {
  apply_pending();
  if (progress_.waiting.erase(stream) == 0) return;
  io::log_info("stream synced", {{"stream", stream}});
  if (progress_.waiting.empty() && !progress_.synced) {
    progress_.synced = true;
    store_.drop_stream("previous");  // what was served before the restart
    hooks_.synced();
  }
}

void SourceFeed::apply_pending() {
  apply_posted_ = false;
  if (pending_changes_.empty()) return;
  for (auto& [key, c] : pending_changes_) {
    if (c.removed) {
      io::log_debug("secret removed", {{"stream", c.stream}, {"secret", c.secret.display_name()}});
      store_.remove(c.stream, c.secret.namespace_, c.secret.name);
    } else {
      io::log_debug("secret changed", {{"stream", c.stream}, {"secret", c.secret.display_name()}});
      store_.upsert(c.stream, c.secret, source_of(c.stream));
    }
  }
  pending_changes_.clear();
  hooks_.changed(/*whole=*/false);
}

std::string SourceFeed::source_of(const std::string& stream) const {
  auto it = stream_source_.find(stream);
  return it == stream_source_.end() ? stream : it->second;
}

}  // namespace regcred::daemon
