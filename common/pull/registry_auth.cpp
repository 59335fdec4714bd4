#include "common/pull/registry_auth.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "common/core/ascii.hpp"
#include "common/core/json_fields.hpp"
#include "common/core/url.hpp"

namespace regcred::pull {

using core::ascii_lower;
using core::json_value;
namespace {

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         std::string_view("!#$%&'*+-.^_`|~/").find(c) != std::string_view::npos;
}

}  // namespace

Result<std::vector<Challenge>> parse_www_authenticate(std::string_view h) {
  std::vector<Challenge> out;
  std::size_t i = 0;
  auto skip_ws = [&] {
    while (i < h.size() && (h[i] == ' ' || h[i] == '\t'))
      ++i;
  };
  auto token = [&] {
    std::size_t start = i;
    while (i < h.size() && is_token_char(h[i]))
      ++i;
    return h.substr(start, i - start);
  };
  auto bad = [&](const char* what) {
    return fail(Code::parse_error,
                std::string("WWW-Authenticate: ") + what + " at byte " + std::to_string(i));
  };
  while (true) {
    skip_ws();
    while (i < h.size() && h[i] == ',') {
      ++i;
      skip_ws();
    }
    if (i >= h.size()) break;
    auto scheme = token();
    if (scheme.empty()) return bad("expected an auth scheme");
    Challenge c{ascii_lower(scheme), {}};
    // auth-params: name=value or name="quoted", separated by commas; a following token with no
    // '=' starts the next challenge.
    while (true) {
      skip_ws();
      std::size_t mark = i;
      auto name = token();
      skip_ws();
      if (name.empty() || i >= h.size() || h[i] != '=') {
        i = mark;
        break;
      }
      ++i;
      skip_ws();
      std::string value;
      if (i < h.size() && h[i] == '"') {
        ++i;
        while (i < h.size() && h[i] != '"') {
          if (h[i] == '\\' && i + 1 < h.size()) ++i;
          value += h[i++];
        }
        if (i >= h.size()) return bad("unterminated quoted string");
        ++i;
      } else {
        value = std::string(token());
      }
      c.params[ascii_lower(name)] = value;
      skip_ws();
      if (i < h.size() && h[i] == ',') {
        ++i;
        continue;
      }
      break;
    }
    out.push_back(std::move(c));
    skip_ws();
    if (i < h.size() && h[i] != ',' && !is_token_char(h[i])) return bad("unexpected character");
  }
  if (out.empty()) return fail(Code::parse_error, "WWW-Authenticate: empty");
  return out;
}

Result<Secret> parse_token_response(std::string_view body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object()) return fail(Code::parse_error, "token response: not a JSON object");
  for (const char* field : {"token", "access_token"}) {
    if (auto it = j.find(field);
        it != j.end() && it->is_string() && !it->get<std::string>().empty()) {
      return Secret(it->get<std::string>());
    }
  }
  return fail(Code::parse_error, "token response: no token or access_token");
}

std::string registry_error_code(std::string_view body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object()) return "";
  auto it = j.find("errors");
  if (it == j.end() || !it->is_array() || it->empty() || !(*it)[0].is_object()) return "";
  return json_value((*it)[0], "code", "");
}

std::string manifest_accept() {
  return std::string(k_oci_index) + ", " + std::string(k_docker_list) + ", " +
         std::string(k_oci_manifest) + ", " + std::string(k_docker_manifest);
}

bool is_index_type(std::string_view t) {
  return t == k_oci_index || t == k_docker_list;
}

Result<ManifestInfo> parse_manifest(std::string_view body, std::string_view content_type) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object()) return fail(Code::parse_error, "manifest: not a JSON object");
  ManifestInfo m;
  m.media_type =
      json_value(j, "mediaType", std::string(content_type.substr(0, content_type.find(';'))));
  if (auto c = j.find("config"); c != j.end() && c->is_object())
    m.config_digest = json_value(*c, "digest", "");
  if (auto list = j.find("manifests"); list != j.end() && list->is_array()) {
    if (j.find("mediaType") == j.end() && !is_index_type(m.media_type))
      m.media_type = std::string(k_oci_index);
    for (const auto& e : *list) {
      if (!e.is_object()) continue;
      ManifestInfo::Entry entry;
      entry.digest = json_value(e, "digest", "");
      entry.media_type = json_value(e, "mediaType", "");
      if (auto p = e.find("platform"); p != e.end() && p->is_object()) {
        entry.platform = {json_value(*p, "os", ""), json_value(*p, "architecture", ""),
                          json_value(*p, "variant", "")};
      }
      m.manifests.push_back(std::move(entry));
    }
  }
  return m;
}

std::optional<std::size_t> select_platform(const ManifestInfo& index, const Platform& node) {
  for (std::size_t i = 0; i < index.manifests.size(); ++i) {
    const auto& p = index.manifests[i].platform;
    if (p.os != node.os || p.architecture != node.architecture) continue;
    if (!node.variant.empty() && !p.variant.empty() && p.variant != node.variant) continue;
    return i;
  }
  return std::nullopt;
}

bool is_link_local_address(std::string_view ip) {
  const std::string text(ip);
  in_addr v4{};
  if (::inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    const auto* b = reinterpret_cast<const unsigned char*>(&v4.s_addr);
    return b[0] == 169 && b[1] == 254;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    if (v6.s6_addr[0] == 0xfe && (v6.s6_addr[1] & 0xc0) == 0x80) return true;
    // An IPv4-mapped address (::ffff:169.254.x.x).
    static constexpr unsigned char k_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return std::equal(std::begin(k_mapped), std::end(k_mapped), v6.s6_addr) &&
           v6.s6_addr[12] == 169 && v6.s6_addr[13] == 254;
  }
  return false;
}

std::optional<std::string> realm_refusal(std::string_view realm) {
  auto url = core::parse_url(realm);
  if (!url || url->hostname.empty()) return std::string("not an absolute URL");
  if (url->scheme != "https") return "scheme " + url->scheme + ": only https is asked for a token";
  if (is_link_local_address(url->hostname)) {
    return "host " + url->hostname + " is link-local (a metadata service), never asked";
  }
  return std::nullopt;
}

}  // namespace regcred::pull
