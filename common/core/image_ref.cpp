#include "common/core/image_ref.hpp"

#include <algorithm>

namespace regcred::core {
namespace {

constexpr std::size_t k_name_total_length_max = 255;

bool is_lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool is_alnum(char c) {
  return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}
bool is_word(char c) {
  return is_alnum(c) || c == '_';
}
bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// path-component := [a-z0-9]+ (([_.]|__|[-]+) [a-z0-9]+)*
bool valid_path_component(std::string_view s) {
  std::size_t i = 0;
  auto alnum_run = [&] {
    const std::size_t start = i;
    while (i < s.size() && is_lower_alnum(s[i]))
      ++i;
    return i > start;
  };
  if (!alnum_run()) return false;
  while (i < s.size()) {
    if (s[i] == '.') {
      ++i;
    } else if (s[i] == '_') {
      ++i;
      if (i < s.size() && s[i] == '_') ++i;
    } else if (s[i] == '-') {
      while (i < s.size() && s[i] == '-')
        ++i;
    } else {
      return false;
    }
    if (!alnum_run()) return false;
  }
  return true;
}

// domain-component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
bool valid_domain_component(std::string_view s) {
  if (s.empty() || !is_alnum(s.front()) || !is_alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return is_alnum(c) || c == '-'; });
}

bool valid_domain(std::string_view d) {
  std::string_view port;
  bool has_port = false;
  if (!d.empty() && d.front() == '[') {  // "[" IPv6 "]" [":" port]
    const auto close = d.find(']');
    if (close == std::string_view::npos || close < 2) return false;
    const auto addr = d.substr(1, close - 1);
    if (!std::all_of(addr.begin(), addr.end(), [](char c) { return is_hex(c) || c == ':'; }))
      return false;
    const auto after = d.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return false;
      has_port = true;
      port = after.substr(1);
    }
  } else {
    std::string_view host = d;
    if (const auto colon = d.find(':'); colon != std::string_view::npos) {
      host = d.substr(0, colon);
      port = d.substr(colon + 1);
      has_port = true;
    }
    std::size_t start = 0;
    while (true) {
      const auto dot = host.find('.', start);
      if (!valid_domain_component(host.substr(start, dot - start))) return false;
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
  }
  if (has_port && (port.empty() || !std::all_of(port.begin(), port.end(),
                                                [](char c) { return c >= '0' && c <= '9'; })))
    return false;
  return true;
}

// tag := [\w][\w.-]{0,127}
bool valid_tag(std::string_view t) {
  if (t.empty() || t.size() > 128 || !is_word(t.front())) return false;
  return std::all_of(t.begin(), t.end(), [](char c) { return is_word(c) || c == '.' || c == '-'; });
}

// digest := [A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)* ":" [0-9a-fA-F]{32,}
bool valid_digest(std::string_view d) {
  const auto colon = d.find(':');
  if (colon == std::string_view::npos) return false;
  const auto alg = d.substr(0, colon);
  const auto hex = d.substr(colon + 1);
  if (hex.size() < 32 || !std::all_of(hex.begin(), hex.end(), is_hex)) return false;
  bool expect_letter = true;
  for (char c : alg) {
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (expect_letter) {
      if (!letter) return false;
      expect_letter = false;
    } else if (c == '-' || c == '_' || c == '+' || c == '.') {
      expect_letter = true;
    } else if (!is_alnum(c)) {
      return false;
    }
  }
  return !alg.empty() && !expect_letter;
}

Unexpected bad_ref(std::string_view ref, std::string_view why) {
  return fail(Code::invalid_argument,
              "invalid image reference \"" + std::string(ref) + "\": " + std::string(why));
}

}  // namespace

std::string ImageRef::full() const {
  std::string s = name();
  if (!tag.empty()) s += ":" + tag;
  if (!digest.empty()) s += "@" + digest;
  return s;
}

Result<ImageRef> parse_image_ref(std::string_view ref) {
  if (ref.empty()) return bad_ref(ref, "empty");
  if (ref.size() == 64 && std::all_of(ref.begin(), ref.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
      }))
    return bad_ref(ref, "cannot specify 64-byte hexadecimal strings");

  ImageRef out;
  std::string_view rest = ref;
  if (const auto at = rest.find('@'); at != std::string_view::npos) {
    out.digest = std::string(rest.substr(at + 1));
    rest = rest.substr(0, at);
    if (!valid_digest(out.digest)) return bad_ref(ref, "invalid digest");
  }

  // splitDockerDomain: the first component is a domain when it has a '.' or ':', is
  // "localhost", or has upper-case letters.
  std::string_view remainder = rest;
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) {
    out.domain = k_docker_hub_domain;
  } else {
    const auto first = rest.substr(0, slash);
    const bool lower =
        std::none_of(first.begin(), first.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
    if (first.find_first_of(".:") == std::string_view::npos && first != "localhost" && lower) {
      out.domain = k_docker_hub_domain;
    } else {
      out.domain = std::string(first);
      remainder = rest.substr(slash + 1);
    }
  }
  if (out.domain == k_docker_hub_legacy_domain) out.domain = k_docker_hub_domain;

  // A tag is after the last ':' that follows the last '/'.
  const auto last_slash = remainder.rfind('/');
  const auto colon = remainder.rfind(':');
  if (colon != std::string_view::npos &&
      (last_slash == std::string_view::npos || colon > last_slash)) {
    out.tag = std::string(remainder.substr(colon + 1));
    remainder = remainder.substr(0, colon);
    if (!valid_tag(out.tag)) return bad_ref(ref, "invalid tag \"" + out.tag + "\"");
  }
  if (std::any_of(remainder.begin(), remainder.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
    return bad_ref(ref, "repository name must be lowercase");
  out.path = std::string(remainder);
  if (out.domain == k_docker_hub_domain && out.path.find('/') == std::string::npos)
    out.path = "library/" + out.path;

  if (!valid_domain(out.domain))
    return bad_ref(ref, "invalid registry host \"" + out.domain + "\"");
  std::size_t start = 0;
  while (true) {
    const auto s = out.path.find('/', start);
    if (!valid_path_component(std::string_view(out.path).substr(start, s - start)))
      return bad_ref(ref, "invalid repository path \"" + out.path + "\"");
    if (s == std::string::npos) break;
    start = s + 1;
  }
  if (out.name().size() > k_name_total_length_max)
    return bad_ref(ref, "repository name longer than 255 characters");
  return out;
}

bool is_docker_hub(std::string_view s) {
  for (std::string_view scheme : {"https://", "http://"}) {
    if (s.starts_with(scheme)) {
      s.remove_prefix(scheme.size());
      break;
    }
  }
  if (const auto slash = s.find('/'); slash != std::string_view::npos) {
    const auto path = s.substr(slash);
    if (path != "/" && path != "/v1" && path != "/v1/" && path != "/v2" && path != "/v2/")
      return false;
    s = s.substr(0, slash);
  }
  return s == "docker.io" || s == "index.docker.io" || s == "registry-1.docker.io";
}

}  // namespace regcred::core
