// credential_helper.hpp: the docker credential helper protocol as docker-credential-helpers'
// credentials.Serve speaks it: stdin read as bufio.Scanner lines
// joined without separators, `store` JSON decoded as Go does, `get` and `list` printed
// byte-exact, and the helper's own key rule, under which every spelling of a registry a client
// may send finds the same entry. Pure.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.hpp"
#include "common/core/secret.hpp"

namespace regcred::core::helper {

// Exact texts clients compare against (client/client.go).
inline constexpr std::string_view k_not_found = "credentials not found in native keychain";
inline constexpr std::string_view k_missing_server = "no credentials server URL";
inline constexpr std::string_view k_missing_username = "no credentials username";
inline constexpr std::string_view k_token_username = "<token>";

// bufio.Scanner with ScanLines over the whole input, tokens appended with no separator ("\n"
// and a trailing "\r" dropped). A line of 64 KiB or more: "bufio.Scanner: token too long".
Result<std::string> join_lines(std::string_view raw);

// The Credentials JSON of `store`, decoded like json.NewDecoder(...).Decode: the first value
// only, field names case-insensitive, unknown fields ignored; then ServerURL and Username
// required, in that order. Errors carry Go's texts.
struct Credentials {
  std::string server_url;
  std::string username;
  Secret secret;
};
Result<Credentials> parse_store(std::string_view joined);

// `get`'s answer: {"ServerURL":...,"Username":...,"Secret":...} and "\n", Go-escaped.
std::string format_get(std::string_view server_url, std::string_view username,
                       const Secret& secret);
// `list`'s answer: {url: username} sorted by url, and "\n".
std::string format_list(const std::map<std::string, std::string>& entries);

// The registry a server string names, for the helper: http(s):// and the query dropped, the
// host lower-cased, the port kept; every Docker Hub spelling (https://index.docker.io/v1/,
// index.docker.io, docker.io, registry-1.docker.io) is "docker.io". nullopt when the string
// names a namespace inside a registry ("quay.io/org"): the helper protocol speaks of registries
// only, so such keys are for kubelet, not for docker's helper. Choosing among the keys of one
// registry is HelperIndex's (answer.hpp).
std::optional<std::string> registry_of(std::string_view server);

}  // namespace regcred::core::helper
