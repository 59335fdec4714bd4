#include "common/kube/list_watch.hpp"

#include <algorithm>

#include "common/core/url.hpp"

namespace regcred::kube {

std::string list_resource_version(std::string_view last_synced, bool unavailable) {
  if (unavailable) return "";
  if (last_synced.empty()) return "0";
  return std::string(last_synced);
}

int list_page_limit(std::string_view resource_version, bool paginated, int page_limit) {
  if (paginated || resource_version.empty() || resource_version == "0") return page_limit;
  return 0;
}

std::string list_target(const StreamSpec& spec, int limit, std::string_view continue_token,
                        std::string_view resource_version) {
  std::string q;
  auto add = [&q](std::string_view key, std::string_view value) {
    q += q.empty() ? "?" : "&";
    q += key;
    q += "=";
    q += core::query_escape(value);
  };
  if (!continue_token.empty()) add("continue", continue_token);
  if (!spec.field_selector.empty()) add("fieldSelector", spec.field_selector);
  if (!spec.label_selector.empty()) add("labelSelector", spec.label_selector);
  if (limit > 0) add("limit", std::to_string(limit));
  if (continue_token.empty() && !resource_version.empty()) add("resourceVersion", resource_version);
  return spec.path + q;
}

bool too_large_resource_version(long status, std::string_view body) {
  return status == 504 && (body.find("ResourceVersionTooLarge") != std::string_view::npos ||
                           body.find("Too large resource version") != std::string_view::npos);
}

std::string watch_target(const StreamSpec& spec, std::string_view resource_version,
                         std::int64_t timeout_seconds) {
  std::string q = spec.path + "?allowWatchBookmarks=true";
  if (!spec.field_selector.empty())
    q += "&fieldSelector=" + core::query_escape(spec.field_selector);
  if (!spec.label_selector.empty())
    q += "&labelSelector=" + core::query_escape(spec.label_selector);
  q += "&resourceVersion=" + core::query_escape(resource_version) +
       "&timeoutSeconds=" + std::to_string(timeout_seconds) + "&watch=true";
  return q;
}

AfterError after_status(long status, bool listing, bool has_retry_after) {
  // A watch's 410 relists at the last version synced (the watch cache answers that); a list's
  // lists from etcd.
  if (status == 410) return {Next::relist, listing, false, false};
  const bool unauthorized = status == 401;
  if ((status == 429 || status >= 500) && has_retry_after) {
    return {listing ? Next::relist : Next::rewatch, false, unauthorized, true};
  }
  if (status == 429 || unauthorized) {
    return {listing ? Next::backoff_relist : Next::backoff_rewatch, false, unauthorized, false};
  }
  return {Next::backoff_relist, false, false, false};
}

std::chrono::milliseconds Backoff::next(std::chrono::steady_clock::time_point now, double jitter,
                                        std::optional<long> retry_after_seconds) {
  if (current_.count() == 0 || now - started_ > options_.reset) {
    current_ = options_.initial;
    started_ = now;
  } else {
    current_ = std::min(current_ * 2, options_.max);
  }
  auto wait = current_ + std::chrono::milliseconds(static_cast<std::int64_t>(
                             jitter * static_cast<double>(current_.count())));
  // An API server (or a proxy in front of it) asking for a day, or for more seconds than a
  // duration holds, gets five minutes at most.
  if (retry_after_seconds) {
    const auto asked =
        std::chrono::seconds(std::clamp(*retry_after_seconds, 0L, k_max_retry_after_s));
    if (asked > wait) wait = asked;
  }
  return wait;
}

}  // namespace regcred::kube
