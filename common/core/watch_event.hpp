// watch_event.hpp: the Kubernetes watch stream as it arrives: chunks of newline-delimited JSON
// (one WatchEvent per line, the API server's "json" stream framing), cut into lines, each decoded
// into what the reflector acts on. Pure; the HTTP client hands chunks in, the reflector takes
// events out. Fuzzed as tests/fuzz `watch_stream`.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/limits.hpp"
#include "common/core/result.hpp"
#include "common/core/secret_manifest.hpp"

namespace regcred::core {

// Cuts chunks into lines. A line may span chunks; empty lines (keep-alive newlines) are skipped.
class LineSplitter {
 public:
  enum class Fed { more, stopped, too_long };
  explicit LineSplitter(std::size_t max_line = k_max_watch_line) : max_line_(max_line) {}
  // Calls on_line for every complete line in what has arrived so far; `stopped` when on_line
  // returned false (the rest is dropped), `too_long` when an unfinished line passed the limit.
  Fed feed(std::string_view chunk, const std::function<bool(std::string_view)>& on_line);
  void clear() { pending_.clear(); }
  std::size_t pending() const { return pending_.size(); }

 private:
  std::size_t max_line_;
  std::string pending_;
};

enum class WatchType { added, modified, deleted, bookmark, error, unknown };

struct WatchEvent {
  WatchType type = WatchType::unknown;
  std::string type_text;         // as sent, for a log line about an unknown type
  std::string resource_version;  // object.metadata.resourceVersion; may be empty
  // ADDED/MODIFIED/DELETED: the Secret, or why it could not be read (the event still moves the
  // resourceVersion on).
  std::optional<SecretManifest> secret;
  std::string secret_error;
  // ERROR: the Status's message; expired when it is 410 Gone / reason Expired or Gone.
  std::string message;
  bool expired = false;
};

// One line of the stream. An error when it is not a JSON object with "type" and "object" (or
// nests deeper than k_max_json_depth): the stream is out of step and must be reopened.
Result<WatchEvent> decode_watch_event(std::string_view line, std::string_view origin);

// One page of a list (GET .../secrets?limit=N): the list's resourceVersion and continue token,
// the Secrets, and one problem per item that is not one.
struct SecretListPage {
  std::string resource_version;
  std::string continue_token;
  std::vector<SecretManifest> items;
  std::vector<Error> problems;
};

// An error when the body is not a list (an object with "items"), or nests too deep.
Result<SecretListPage> decode_secret_list(std::string_view body, std::string_view origin);

}  // namespace regcred::core
