#include "common/core/url.hpp"

// Boost.URL is used header-only; this is the one translation unit that compiles its sources.
#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <boost/url/src.hpp>  // NOLINT(misc-include-cleaner)

#include "common/core/ascii.hpp"

namespace regcred::core {

std::optional<ParsedUrl> parse_url(std::string_view s) {
  // Go cuts the fragment before parsing and tolerates characters in it that RFC 3986 does not;
  // the fragment is never used here, so drop it first too.
  if (const auto hash = s.find('#'); hash != std::string_view::npos) s = s.substr(0, hash);
  auto r = boost::urls::parse_uri(s);
  if (!r) return std::nullopt;
  const boost::urls::url_view u = *r;
  ParsedUrl out;
  out.scheme = ascii_lower(u.scheme());
  if (!u.has_authority()) return std::nullopt;
  std::string host = u.host();  // decoded; IP literals keep their brackets
  if (host.find_first_of(" \"<>\\^`{|}") != std::string::npos) return std::nullopt;
  out.hostname = host;
  if (u.host_type() == boost::urls::host_type::ipv6 ||
      u.host_type() == boost::urls::host_type::ipvfuture) {
    out.hostname = std::string(u.encoded_host_address());
  }
  out.port = std::string(u.port());
  out.host = host;
  if (u.has_port()) out.host += ":" + out.port;
  out.path = u.path();
  if (u.has_userinfo()) {
    out.user = u.user();
    if (u.has_password()) out.password = Secret(u.password());
  }
  return out;
}

std::pair<std::string, std::string> split_host_port(std::string_view host) {
  // net.SplitHostPort("[::1]:80") -> "::1", "80"; on error kubelet uses the whole host.
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    if (close != std::string_view::npos && close + 1 < host.size() && host[close + 1] == ':' &&
        host.find(':', close + 2) == std::string_view::npos) {
      return {std::string(host.substr(1, close - 1)), std::string(host.substr(close + 2))};
    }
    return {std::string(host), ""};
  }
  const auto colon = host.find(':');
  if (colon == std::string_view::npos || host.find(':', colon + 1) != std::string_view::npos)
    return {std::string(host), ""};
  return {std::string(host.substr(0, colon)), std::string(host.substr(colon + 1))};
}

std::string query_escape(std::string_view value) {
  boost::urls::encoding_opts opts;
  opts.space_as_plus = true;
  return boost::urls::encode(value, boost::urls::unreserved_chars, opts);
}

}  // namespace regcred::core
