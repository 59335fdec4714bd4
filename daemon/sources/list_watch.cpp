#include "daemon/sources/list_watch.hpp"

#include <algorithm>

#include "common/core/url.hpp"

namespace regcred::kube {

std::string list_target(const StreamSpec& spec, int limit, std::string_view continue_token) {
  std::string q = spec.path + "?";
  if (!spec.field_selector.empty())
    q += "fieldSelector=" + core::query_escape(spec.field_selector) + "&";
  if (!spec.label_selector.empty())
    q += "labelSelector=" + core::query_escape(spec.label_selector) + "&";
  q += "limit=" + std::to_string(limit);
  if (!continue_token.empty()) q += "&continue=" + core::query_escape(continue_token);
  return q;
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
  if (status == 410) return {Next::relist, true, false, false};
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
  if (retry_after_seconds && std::chrono::seconds(*retry_after_seconds) > wait) {
    wait = std::chrono::seconds(*retry_after_seconds);
  }
  return wait;
}

}  // namespace regcred::kube
