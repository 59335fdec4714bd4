#include "common/core/watch_event.hpp"

#include <simdjson.h>

#include <map>
#include <set>

#include "common/core/limits.hpp"

namespace regcred::core {

LineSplitter::Fed LineSplitter::feed(std::string_view chunk,
                                     const std::function<bool(std::string_view)>& on_line) {
  pending_.append(chunk);
  std::size_t start = 0;
  Fed result = Fed::more;
  for (;;) {
    const auto nl = pending_.find('\n', start);
    if (nl == std::string::npos) break;
    const std::string_view line(pending_.data() + start, nl - start);
    start = nl + 1;
    if (line.empty() || line == "\r") continue;
    if (line.size() > max_line_) {
      result = Fed::too_long;
      break;
    }
    if (!on_line(line)) {
      result = Fed::stopped;
      break;
    }
  }
  if (result != Fed::more) {
    pending_.clear();
    return result;
  }
  pending_.erase(0, start);
  if (pending_.size() > max_line_) {
    pending_.clear();
    return Fed::too_long;
  }
  return Fed::more;
}

namespace {

namespace dom = simdjson::dom;

// What the watch reads: simdjson's DOM, not nlohmann's: decoding events is most of the watch
// thread's time in a storm. The structure is the same (the whole
// document is validated, then read), at a fraction of the allocations. One parser per thread,
// reused, its buffers sized to the longest line it has read; the text is copied with the
// padding simdjson reads past its end. Nesting deeper than k_max_json_depth fails the parse
// (simdjson counts the depth; json_deeper_than is the same bound for the other readers).
struct Parser {
  dom::parser parser;
  std::string padded;
  bool usable = false;

  Parser() { usable = parser.allocate(4096, k_max_json_depth) == simdjson::SUCCESS; }

  // The document, or none when `text` is not JSON.
  std::optional<dom::element> parse(std::string_view text) {
    if (!usable) return std::nullopt;
    padded.assign(text);
    padded.append(simdjson::SIMDJSON_PADDING, '\0');
    dom::element doc;
    if (parser.parse(padded.data(), text.size(), false).get(doc) != simdjson::SUCCESS) {
      return std::nullopt;
    }
    return doc;
  }

  // After a rare long line (a secret near its 1 MiB bound) the buffers would stay at its size on
  // the watch thread for good: give them back.
  void trim() {
    if (parser.capacity() <= k_kept_capacity) return;
    parser = dom::parser();
    usable = parser.allocate(4096, k_max_json_depth) == simdjson::SUCCESS;
    padded = std::string();
  }
  static constexpr std::size_t k_kept_capacity = 64 * 1024;
};

// A member of an object: the last of a repeated name, as Go and nlohmann keep it. None when `v`
// is no object or has no such member. Objects here have a handful of members: a scan costs
// less than an index of them.
std::optional<dom::element> member(dom::element v, std::string_view key) {
  dom::object o;
  if (v.get(o) != simdjson::SUCCESS) return std::nullopt;
  std::optional<dom::element> found;
  for (const auto field : o) {
    if (field.key == key) found = field.value;
  }
  return found;
}

// The text of a string element, or "" when there is none or it is of another type.
std::string text(const std::optional<dom::element>& e) {
  std::string_view s;
  return e && e->get(s) == simdjson::SUCCESS ? std::string(s) : std::string();
}

// A string member, or "" when it is missing or of another type.
std::string text(dom::element v, std::string_view key) {
  return text(member(v, key));
}

// labels, data, stringData: null is empty; a member that is null is "". A member of another type
// is an error, named as nlohmann named it: the first such name in byte order, a repeated name
// counting by its last value.
Result<void> string_map(dom::element n, std::string_view origin, const std::string& where,
                        std::map<std::string, std::string>& out) {
  if (n.is_null()) return ok();
  dom::object o;
  if (n.get(o) != simdjson::SUCCESS) {
    return fail(Code::parse_error, std::string(origin) + ": " + where + ": expected a map");
  }
  std::set<std::string_view> wrong;
  for (const auto field : o) {
    std::string_view value;
    if (field.value.is_null() || field.value.get(value) == simdjson::SUCCESS) {
      out.insert_or_assign(std::string(field.key), std::string(value));
      if (!wrong.empty()) wrong.erase(field.key);
    } else {
      out.erase(std::string(field.key));
      wrong.insert(field.key);
    }
  }
  if (!wrong.empty()) {
    return fail(Code::parse_error, std::string(origin) + ": " + where + "[" +
                                       std::string(*wrong.begin()) + "]: expected a string");
  }
  return ok();
}

// One Secret object as the API server sends it (a list item has no `kind`; a watch event's
// object has). Errors as for a manifest document (parse_secret_manifests).
Result<SecretManifest> secret_from_json(dom::element obj, std::string_view origin) {
  auto at = [&](const std::string& what) {
    return fail(Code::parse_error, std::string(origin) + ": " + what);
  };
  if (!obj.is_object()) return at("not a Kubernetes object");
  const auto meta = member(obj, "metadata");
  if (!meta || !meta->is_object()) return at("metadata: missing");
  SecretManifest s;
  s.origin = std::string(origin);
  s.name = text(*meta, "name");
  if (s.name.empty()) return at("metadata.name: missing");
  s.namespace_ = text(*meta, "namespace");
  s.uid = text(*meta, "uid");
  s.resource_version = text(*meta, "resourceVersion");
  if (const auto l = member(*meta, "labels")) {
    REGCRED_TRY(string_map(*l, origin, "metadata.labels", s.labels));
  }
  if (const auto a = member(*meta, "annotations")) {
    REGCRED_TRY(string_map(*a, origin, "metadata.annotations", s.annotations));
    // Only ours: kubectl's last-applied-configuration holds the whole secret again.
    std::erase_if(s.annotations,
                  [](const auto& kv) { return !kv.first.starts_with("regcred.io/"); });
  }
  const auto type = member(obj, "type");
  s.type = type && type->is_string() ? text(type) : "Opaque";
  std::map<std::string, std::string> data;
  if (const auto d = member(obj, "data")) REGCRED_TRY(string_map(*d, origin, "data", data));
  std::map<std::string, std::string> string_data;
  if (const auto d = member(obj, "stringData")) {
    REGCRED_TRY(string_map(*d, origin, "stringData", string_data));
  }
  set_secret_data(s, std::move(data), std::move(string_data));
  return s;
}

Result<WatchEvent> decode_event(Parser& parser, std::string_view line, std::string_view origin) {
  const auto doc = parser.parse(line);
  const auto type = doc ? member(*doc, "type") : std::nullopt;
  const auto object = doc ? member(*doc, "object") : std::nullopt;
  if (!type || !object) {
    return fail(Code::parse_error, std::string(origin) + ": watch event is not an event");
  }
  WatchEvent ev;
  ev.type_text = text(type);
  const dom::element obj = *object;
  if (const auto meta = member(obj, "metadata"))
    ev.resource_version = text(*meta, "resourceVersion");
  const std::string& t = ev.type_text;
  if (t == "ERROR") {
    ev.type = WatchType::error;
    ev.message = text(obj, "message");
    const std::string reason = text(obj, "reason");
    const auto code = member(obj, "code");
    std::int64_t n = 0;
    const bool gone = code && code->get(n) == simdjson::SUCCESS && n == 410;
    ev.expired = gone || reason == "Expired" || reason == "Gone";
    return ev;
  }
  if (t == "BOOKMARK") {
    ev.type = WatchType::bookmark;
    return ev;
  }
  if (t == "ADDED") {
    ev.type = WatchType::added;
  } else if (t == "MODIFIED") {
    ev.type = WatchType::modified;
  } else if (t == "DELETED") {
    ev.type = WatchType::deleted;
  } else {
    ev.type = WatchType::unknown;
    return ev;
  }
  auto s = secret_from_json(*object, origin);
  if (s) {
    ev.secret = std::move(*s);
  } else {
    ev.secret_error = s.error().message;
  }
  return ev;
}

}  // namespace

Result<WatchEvent> decode_watch_event(std::string_view line, std::string_view origin) {
  thread_local Parser parser;
  auto ev = decode_event(parser, line, origin);
  parser.trim();
  return ev;
}

Result<SecretListPage> decode_secret_list(std::string_view body, std::string_view origin) {
  // A parser of its own: a page's buffers (a few MB for 500 secrets) are not kept.
  Parser parser;
  const auto doc = parser.parse(body);
  const auto items = doc ? member(*doc, "items") : std::nullopt;
  if (!items) {
    return fail(Code::parse_error, std::string(origin) + ": list answer is not a SecretList");
  }
  SecretListPage page;
  if (const auto meta = member(*doc, "metadata")) {
    page.resource_version = text(*meta, "resourceVersion");
    page.continue_token = text(*meta, "continue");
  }
  dom::array array;
  if (items->get(array) != simdjson::SUCCESS) return page;
  page.items.reserve(array.size());
  std::size_t i = 0;
  for (const auto item : array) {
    auto s = secret_from_json(item, std::string(origin) + " items[" + std::to_string(i++) + "]");
    if (s) {
      page.items.push_back(std::move(*s));
    } else {
      page.problems.push_back(std::move(s).error());
    }
  }
  return page;
}

}  // namespace regcred::core
