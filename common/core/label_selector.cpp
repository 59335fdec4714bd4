#include "common/core/label_selector.hpp"

#include <algorithm>

namespace regcred::core {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ')
    s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ')
    s.remove_suffix(1);
  return s;
}

// Splits at commas that are not inside parentheses.
std::vector<std::string_view> split_top(std::string_view s) {
  std::vector<std::string_view> out;
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '(') ++depth;
    if (s[i] == ')') --depth;
    if (s[i] == ',' && depth == 0) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  out.push_back(s.substr(start));
  return out;
}

bool valid_key(std::string_view k) {
  if (k.empty() || k.size() > 316) return false;
  return std::all_of(k.begin(), k.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.' ||
           c == '/';
  });
}

}  // namespace

Result<LabelSelector> LabelSelector::parse(std::string_view text) {
  LabelSelector sel;
  sel.text_ = std::string(text);
  if (trim(text).empty()) return sel;
  for (std::string_view raw : split_top(text)) {
    std::string_view part = trim(raw);
    auto bad = [&](std::string_view why) {
      return fail(Code::invalid_argument,
                  "label selector: \"" + std::string(part) + "\": " + std::string(why));
    };
    Req r;
    if (part.empty()) return bad("empty requirement");
    if (part.front() == '!') {
      r.key = std::string(trim(part.substr(1)));
      r.op = Op::not_exists;
    } else if (auto p = part.find("!="); p != std::string_view::npos) {
      r.key = std::string(trim(part.substr(0, p)));
      r.op = Op::ne;
      r.values.emplace_back(trim(part.substr(p + 2)));
    } else if (auto q = part.find("=="); q != std::string_view::npos) {
      r.key = std::string(trim(part.substr(0, q)));
      r.op = Op::eq;
      r.values.emplace_back(trim(part.substr(q + 2)));
    } else if (auto e = part.find('='); e != std::string_view::npos) {
      r.key = std::string(trim(part.substr(0, e)));
      r.op = Op::eq;
      r.values.emplace_back(trim(part.substr(e + 1)));
    } else if (auto paren = part.find('('); paren != std::string_view::npos) {
      if (part.back() != ')') return bad("missing ')'");
      std::string_view head = trim(part.substr(0, paren));
      auto sp = head.rfind(' ');
      if (sp == std::string_view::npos) return bad("expected 'in' or 'notin'");
      std::string_view op = head.substr(sp + 1);
      r.key = std::string(trim(head.substr(0, sp)));
      if (op == "in") {
        r.op = Op::in;
      } else if (op == "notin") {
        r.op = Op::notin;
      } else {
        return bad("expected 'in' or 'notin'");
      }
      std::string_view list = part.substr(paren + 1, part.size() - paren - 2);
      std::size_t start = 0;
      for (std::size_t i = 0; i <= list.size(); ++i) {
        if (i == list.size() || list[i] == ',') {
          r.values.emplace_back(trim(list.substr(start, i - start)));
          start = i + 1;
        }
      }
    } else {
      r.key = std::string(part);
      r.op = Op::exists;
    }
    if (!valid_key(r.key)) return bad("invalid label key");
    sel.reqs_.push_back(std::move(r));
  }
  return sel;
}

bool LabelSelector::matches(const std::map<std::string, std::string>& labels) const {
  for (const Req& r : reqs_) {
    auto it = labels.find(r.key);
    bool has = it != labels.end();
    auto in_values = [&] {
      return has && std::find(r.values.begin(), r.values.end(), it->second) != r.values.end();
    };
    switch (r.op) {
      case Op::eq:
      case Op::in:
        if (!in_values()) return false;
        break;
      case Op::ne:
      case Op::notin:
        if (in_values()) return false;
        break;
      case Op::exists:
        if (!has) return false;
        break;
      case Op::not_exists:
        if (has) return false;
        break;
    }
  }
  return true;
}

}  // namespace regcred::core
