#include "common/core/watch_event.hpp"

#include <nlohmann/json.hpp>

#include "common/core/json_fields.hpp"
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

// A member of an object, or null: const operator[] on a missing key is undefined behaviour.
const nlohmann::json* member(const nlohmann::json& o, std::string_view key) {
  if (!o.is_object()) return nullptr;
  const auto it = o.find(key);
  return it == o.end() ? nullptr : &*it;
}

// Outside JSON nesting deeper than the bound is not parsed at all: it reads as no document.
nlohmann::json parse_bounded(std::string_view text) {
  return json_deeper_than(text) ? nlohmann::json(nullptr)
                                : nlohmann::json::parse(text, nullptr, false);
}

}  // namespace

Result<WatchEvent> decode_watch_event(std::string_view line, std::string_view origin) {
  const auto j = parse_bounded(line);
  const auto* type = member(j, "type");
  const auto* object = member(j, "object");
  if (type == nullptr || object == nullptr) {
    return fail(Code::parse_error, std::string(origin) + ": watch event is not an event");
  }
  WatchEvent ev;
  ev.type_text = json_value(j, "type", "");
  const auto& obj = *object;
  if (const auto* meta = member(obj, "metadata")) {
    ev.resource_version = json_value(*meta, "resourceVersion", "");
  }
  const std::string& t = ev.type_text;
  if (t == "ERROR") {
    ev.type = WatchType::error;
    ev.message = json_value(obj, "message", "");
    const std::string reason = json_value(obj, "reason", "");
    const auto* code = member(obj, "code");
    const bool gone =
        code != nullptr && code->is_number_integer() && code->get<std::int64_t>() == 410;
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
  auto s = secret_from_json(obj, origin);
  if (s) {
    ev.secret = std::move(*s);
  } else {
    ev.secret_error = s.error().message;
  }
  return ev;
}

Result<SecretListPage> decode_secret_list(std::string_view body, std::string_view origin) {
  const auto j = parse_bounded(body);
  const auto* items = member(j, "items");
  if (items == nullptr) {
    return fail(Code::parse_error, std::string(origin) + ": list answer is not a SecretList");
  }
  SecretListPage page;
  if (const auto* meta = member(j, "metadata")) {
    page.resource_version = json_value(*meta, "resourceVersion", "");
    page.continue_token = json_value(*meta, "continue", "");
  }
  if (!items->is_array()) return page;
  page.items.reserve(items->size());
  for (std::size_t i = 0; i < items->size(); ++i) {
    auto s =
        secret_from_json((*items)[i], std::string(origin) + " items[" + std::to_string(i) + "]");
    if (s) {
      page.items.push_back(std::move(*s));
    } else {
      page.problems.push_back(std::move(s).error());
    }
  }
  return page;
}

}  // namespace regcred::core
