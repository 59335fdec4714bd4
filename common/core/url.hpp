// url.hpp: the parts of Go's net/url that kubelet and docker apply to registry keys, on top of
// Boost.URL. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/core/secret.hpp"

namespace regcred::core {

struct ParsedUrl {
  std::string scheme;    // lower-cased, as Go's url.Parse returns it
  std::string host;      // Go's URL.Host: host[:port], IPv6 literal in brackets
  std::string hostname;  // Go's URL.Hostname(): no port, no brackets
  std::string port;      // Go's URL.Port(): "" when absent
  std::string path;      // decoded path
  std::string user;      // URL.User.Username(), decoded ("" when none)
  Secret password;       // URL.User.Password(), decoded (a proxy URL's credential)
};

// url.Parse(s) for an absolute URL ("scheme://authority/path?query#fragment"). nullopt where
// Go would return an error (bad percent-encoding, a port that is not digits, a character that
// is not allowed in a host).
std::optional<ParsedUrl> parse_url(std::string_view s);

// net.SplitHostPort, but a host without a port is returned whole (kubelet's use of it).
std::pair<std::string, std::string> split_host_port(std::string_view host);

// Go's url.QueryEscape, for a query parameter or a form field (Boost.URL): unreserved bytes
// kept, a space as '+', everything else %XX.
std::string query_escape(std::string_view value);

}  // namespace regcred::core
