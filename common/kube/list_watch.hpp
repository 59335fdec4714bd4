// list_watch.hpp: the reflector's decisions, apart from its thread and its connection: the
// requests it sends (as client-go's reflector sends them) and what it does after an error.
// Pure, so that each rule has a unit test.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace regcred::kube {

struct StreamSpec {
  std::string id;    // "kube:<server>/api/v1/secrets?type=..."
  std::string path;  // /api/v1/secrets or /api/v1/namespaces/<ns>/secrets
  std::string field_selector;
  std::string label_selector;
};

// The resourceVersion a list asks for, as client-go's reflector chooses it
// (relistResourceVersion): "0" for the first list, which the API server answers from its watch
// cache; the last one synced for a relist, which it also answers from the cache (a result at
// least that fresh); "" (a consistent read) once the server said that version is unavailable.
std::string list_resource_version(std::string_view last_synced, bool unavailable);
// The page size a list asks for: none for a relist from the cache ("0" ignores it anyway, and a
// limit on any other version sends the list to etcd), unless the server paged an earlier list.
int list_page_limit(std::string_view resource_version, bool paginated, int page_limit);
// One page of the list: the selectors, `limit` (0: none), and either the resourceVersion (the
// first page) or the page's continue token (the ones after, which carry it); the query's keys
// sorted, as client-go's url.Values.Encode sends them.
std::string list_target(const StreamSpec& spec, int limit, std::string_view continue_token,
                        std::string_view resource_version);
// A list the watch cache cannot serve yet (504, ResourceVersionTooLarge): client-go then lists
// from etcd, as after a 410.
bool too_large_resource_version(long status, std::string_view body);
// The watch from `resource_version`, with bookmarks; the query's keys sorted, as client-go's
// url.Values.Encode sends them.
std::string watch_target(const StreamSpec& spec, std::string_view resource_version,
                         std::int64_t timeout_seconds);

// What follows an HTTP error status of a list or a watch.
enum class Next { relist, rewatch, backoff_relist, backoff_rewatch };
struct AfterError {
  Next next;
  bool forget_version = false;     // 410 Gone on a list: list from etcd next
  bool reread_credential = false;  // 401: the token may have been rotated
  bool wait_retry_after = false;   // 429 or 5xx with Retry-After: wait that long, then retry
};
AfterError after_status(long status, bool listing, bool has_retry_after);

// client-go's backoff: `initial`, doubling up to `max`, back to `initial` after `reset` without
// an error; each wait gets a jitter of up to the same again (wait.Jitter(d, 1.0)). A Retry-After
// longer than the wait wins.
// The longest Retry-After obeyed, in seconds.
inline constexpr long k_max_retry_after_s = 300;

class Backoff {
 public:
  struct Options {
    std::chrono::milliseconds initial{800};
    std::chrono::milliseconds max{30000};
    std::chrono::seconds reset{120};
  };
  explicit Backoff(Options options) : options_(options) {}
  // `jitter` in [0, 1).
  std::chrono::milliseconds next(std::chrono::steady_clock::time_point now, double jitter,
                                 std::optional<long> retry_after_seconds);
  // A success: the next error starts from `initial` again.
  void reset() { current_ = std::chrono::milliseconds(0); }

 private:
  Options options_;
  std::chrono::milliseconds current_{0};
  std::chrono::steady_clock::time_point started_{};
};

}  // namespace regcred::kube
