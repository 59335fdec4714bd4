#include "common/kube/reflector.hpp"

#include "common/core/watch_event.hpp"
#include "common/io/log.hpp"
#include "common/io/time_text.hpp"

namespace regcred::kube {
namespace {

// A Status body's message, for logs. The API server's messages name objects, never secrets'
// data; still, cut it to one line of bounded length.
std::string status_message(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  std::string m;
  if (j.is_object() && j.contains("message") && j["message"].is_string()) {
    m = j["message"].get<std::string>();
  } else {
    m = body.substr(0, 200);
  }
  for (char& c : m) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return m.substr(0, 300);
}

}  // namespace

Reflector::Reflector(StreamSpec spec, CredentialSource& creds, ReflectorCallbacks cb,
                     ReflectorOptions options)
    : spec_(std::move(spec)),
      creds_(creds),
      cb_(std::move(cb)),
      opt_(options),
      client_(creds),
      backoff_({opt_.backoff_initial, opt_.backoff_max, opt_.backoff_reset}) {
  if (!opt_.user_agent.empty()) client_.set_user_agent(opt_.user_agent);
}

void Reflector::set_state(std::string state, std::string error) {
  std::lock_guard lock(status_mu_);
  state_ = std::move(state);
  if (!error.empty()) {
    error_ = std::move(error);
    ++errors_;
  }
}

nlohmann::json Reflector::status() const {
  std::lock_guard lock(status_mu_);
  nlohmann::json j = {{"stream", spec_.id},     {"state", state_},   {"synced", synced_},
                      {"resourceVersion", rv_}, {"lists", lists_},   {"relists", relists_},
                      {"watches", watches_},    {"events", events_}, {"bookmarks", bookmarks_},
                      {"errors", errors_}};
  if (!error_.empty()) j["lastError"] = error_;
  if (last_list_) j["lastList"] = io::rfc3339(*last_list_);
  if (last_event_) j["lastEvent"] = io::rfc3339(*last_event_);
  return j;
}

ReflectorCounters Reflector::counters() const {
  std::lock_guard lock(status_mu_);
  return {watches_, relists_};
}

void Reflector::stop() {
  stop_ = true;
  client_.cancel();
  std::lock_guard lock(wait_mu_);
  wait_cv_.notify_all();
}

bool Reflector::sleep_for(std::chrono::milliseconds d) {
  std::unique_lock lock(wait_mu_);
  return !wait_cv_.wait_for(lock, d, [this] { return stop_.load(); });
}

void Reflector::sleep_backoff(std::optional<long> retry_after) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const auto wait = backoff_.next(std::chrono::steady_clock::now(), u(rng_), retry_after);
  set_state("backoff");
  io::log_debug("backing off", {{"stream", spec_.id}, {"ms", std::to_string(wait.count())}});
  sleep_for(wait);
}

void Reflector::run() {
  Outcome next = Outcome::relist;
  while (!stop_) {
    switch (next) {
      case Outcome::relist:
        next = list();
        break;
      case Outcome::backoff_relist:
        sleep_backoff(std::nullopt);
        next = stop_ ? Outcome::stopped : list();
        break;
      case Outcome::rewatch:
        next = watch();
        break;
      case Outcome::backoff_rewatch:
        sleep_backoff(std::nullopt);
        next = stop_ ? Outcome::stopped : watch();
        break;
      case Outcome::stopped:
        return;
    }
  }
}

Reflector::Outcome Reflector::on_status_error(long status, const std::string& body,
                                              std::optional<long> retry_after, bool listing) {
  std::string msg = "HTTP " + std::to_string(status) + ": " + status_message(body);
  set_state("error", msg);
  const AfterError after = after_status(status, listing, retry_after.has_value());
  if (after.forget_version) {
    io::log_info("resourceVersion unavailable; listing from etcd", {{"stream", spec_.id}});
    rv_unavailable_ = true;
  } else if (after.reread_credential) {
    io::log_warning("unauthorized; reading the credential again",
                    {{"stream", spec_.id}, {"error", msg}});
    creds_.invalidate();
  } else {
    io::log_warning(listing ? "list failed" : "watch failed",
                    {{"stream", spec_.id}, {"error", msg}});
  }
  if (after.wait_retry_after) sleep_backoff(retry_after);
  switch (after.next) {
    case Next::relist:
      return Outcome::relist;
    case Next::rewatch:
      return Outcome::rewatch;
    case Next::backoff_relist:
      return Outcome::backoff_relist;
    case Next::backoff_rewatch:
      return Outcome::backoff_rewatch;
  }
  return Outcome::backoff_relist;
}

Reflector::Outcome Reflector::list() {
  set_state("listing");
  std::vector<core::SecretManifest> items;
  std::string cont;
  std::string list_rv;
  int pages = 0;
  for (;;) {
    if (stop_) return Outcome::stopped;
    const std::string asked = list_resource_version(rv_, rv_unavailable_);
    auto r = client_.get(
        list_target(spec_, list_page_limit(asked, paginated_, opt_.page_limit), cont, asked));
    if (!r) {
      if (stop_) return Outcome::stopped;
      set_state("error", r.error().message);
      io::log_warning("list failed", {{"stream", spec_.id}, {"error", r.error().message}});
      return Outcome::backoff_relist;
    }
    if (r->status == 410 && !cont.empty()) {
      // The continue token expired: start the list again from the beginning.
      io::log_info("list continue token expired; listing again", {{"stream", spec_.id}});
      items.clear();
      cont.clear();
      continue;
    }
    if (!rv_unavailable_ && cont.empty() &&
        (r->status == 410 || too_large_resource_version(r->status, r->body))) {
      // The version asked for is gone, or the watch cache has not reached it: client-go lists
      // again at once, from etcd.
      io::log_info("resourceVersion unavailable; listing from etcd",
                   {{"stream", spec_.id}, {"status", std::to_string(r->status)}});
      rv_unavailable_ = true;
      continue;
    }
    if (r->status != 200) return on_status_error(r->status, r->body, r->retry_after, true);
    auto page = core::decode_secret_list(r->body, spec_.id);
    if (!page) {
      set_state("error", "list answer is not a SecretList");
      return Outcome::backoff_relist;
    }
    list_rv = std::move(page->resource_version);
    cont = std::move(page->continue_token);
    for (const auto& problem : page->problems) {
      io::log_warning("list item skipped", {{"stream", spec_.id}, {"error", problem.message}});
    }
    std::move(page->items.begin(), page->items.end(), std::back_inserter(items));
    ++pages;
    if (cont.empty()) break;
  }
  rv_ = list_rv;
  rv_unavailable_ = false;
  if (pages > 1) paginated_ = true;
  {
    std::lock_guard lock(status_mu_);
    if (lists_ > 0) ++relists_;
    ++lists_;
    last_list_ = std::chrono::system_clock::now();
    synced_ = true;
    error_.clear();
  }
  io::log_info(
      "listed",
      {{"stream", spec_.id}, {"secrets", std::to_string(items.size())}, {"resourceVersion", rv_}});
  cb_.replace(std::move(items));
  cb_.synced();
  backoff_.reset();
  return Outcome::rewatch;
}

Reflector::Outcome Reflector::watch() {
  set_state("watching");
  std::uniform_int_distribution<std::int64_t> d(opt_.watch_timeout_min.count(),
                                                2 * opt_.watch_timeout_min.count() - 1);
  std::int64_t timeout = d(rng_);
  const std::string q = watch_target(spec_, rv_, timeout);
  {
    std::lock_guard lock(status_mu_);
    ++watches_;
  }
  Outcome after = Outcome::rewatch;
  std::uint64_t seen = 0;
  auto started = std::chrono::steady_clock::now();
  std::vector<core::SecretChange> batch;
  auto on_line = [&](std::string_view line) -> bool {
    auto ev = core::decode_watch_event(line, spec_.id);
    if (!ev) {
      set_state("error", "watch event is not JSON; resuming");
      io::log_warning("watch event is not an event; resuming from the last resourceVersion",
                      {{"stream", spec_.id}});
      return false;
    }
    ++seen;
    switch (ev->type) {
      case core::WatchType::error:
        if (ev->expired) {
          io::log_info("watch: resourceVersion expired; listing again",
                       {{"stream", spec_.id}, {"message", ev->message}});
          set_state("error", "410 in watch: " + ev->message);
          // client-go relists at the last version synced: the watch cache answers that.
          after = Outcome::relist;
        } else {
          set_state("error", "watch ERROR event: " + ev->message);
          io::log_warning("watch ERROR event", {{"stream", spec_.id}, {"message", ev->message}});
          after = Outcome::backoff_relist;
        }
        return false;
      case core::WatchType::bookmark: {
        if (!ev->resource_version.empty()) rv_ = ev->resource_version;
        std::lock_guard lock(status_mu_);
        ++bookmarks_;
        return true;
      }
      case core::WatchType::unknown:
        io::log_warning("unknown watch event type; ignored",
                        {{"stream", spec_.id}, {"type", ev->type_text.substr(0, 64)}});
        return true;
      case core::WatchType::added:
      case core::WatchType::modified:
      case core::WatchType::deleted:
        break;
    }
    // An object that is not a Secret still moves the resourceVersion on; it is no event.
    if (!ev->resource_version.empty()) rv_ = ev->resource_version;
    if (!ev->secret) {
      io::log_warning("watch event object skipped",
                      {{"stream", spec_.id}, {"error", ev->secret_error}});
      return true;
    }
    batch.push_back({std::move(*ev->secret), ev->type == core::WatchType::deleted});
    return true;
  };
  // The events of one read go to the loop together: in a storm a read holds a hundred, and a
  // post each cost the watch thread a wake-up of the loop (epoll_ctl) and the loop a pass.
  auto deliver = [&] {
    if (batch.empty()) return;
    const auto n = batch.size();
    cb_.changes(std::move(batch));
    batch = {};
    std::lock_guard lock(status_mu_);
    events_ += n;
    last_event_ = std::chrono::system_clock::now();
  };
  const std::function<void()> caught_up = deliver;
  auto r = client_.stream(q, on_line, caught_up, opt_.idle_timeout);
  deliver();  // what came before an ERROR event, or before the stream was cut
  if (stop_) return Outcome::stopped;
  if (!r) {
    set_state("error", r.error().message);
    io::log_warning("watch ended", {{"stream", spec_.id}, {"error", r.error().message}});
    // Connection refused or cut: resume the watch after a backoff; never relist for it.
    return Outcome::backoff_rewatch;
  }
  if (r->status != 200) return on_status_error(r->status, r->body, r->retry_after, false);
  if (after == Outcome::rewatch && seen == 0 &&
      std::chrono::steady_clock::now() - started < std::chrono::seconds(1)) {
    // client-go's "very short watch": closed at once with nothing in it; do not spin.
    io::log_debug("very short watch", {{"stream", spec_.id}});
    return Outcome::backoff_rewatch;
  }
  if (after == Outcome::rewatch) {
    backoff_.reset();
    io::log_debug("watch ended; resuming", {{"stream", spec_.id}, {"resourceVersion", rv_}});
  }
  return after;
}

}  // namespace regcred::kube
