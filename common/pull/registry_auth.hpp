// registry_auth.hpp: the parts of the registry protocol a pull test reads and must get right:
// WWW-Authenticate challenges (RFC 7235 auth-params, as distribution and Docker Hub send them),
// token responses, OCI/Docker error bodies, and the choice of a platform in an index. Pure.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.hpp"
#include "common/core/secret.hpp"

namespace regcred::pull {

struct Challenge {
  std::string scheme;                         // lower-cased: "basic", "bearer"
  std::map<std::string, std::string> params;  // names lower-cased: realm, service, scope, error
};
// Every challenge in one WWW-Authenticate header value. Errors name the offset that does not
// parse.
Result<std::vector<Challenge>> parse_www_authenticate(std::string_view header);

// Why a Bearer challenge's realm must not be asked (a hostile registry would have the pull
// test send a credential anywhere), or nullopt: an https URL whose host is not a link-local
// address (169.254.0.0/16, fe80::/10: the cloud metadata services). The probe itself speaks
// only https to a registry, so a plain-http realm is never the registry's own.
std::optional<std::string> realm_refusal(std::string_view realm);

// Whether an IP address (text, IPv6 without brackets) is link-local.
bool is_link_local_address(std::string_view ip);

// A token endpoint's answer: "token", or "access_token" (OAuth2). Errors: not JSON, no token.
Result<Secret> parse_token_response(std::string_view body);

// The first errors[].code of an OCI error body ("MANIFEST_UNKNOWN", "DENIED", ...), "" if none.
std::string registry_error_code(std::string_view body);

// Media types.
inline constexpr std::string_view k_oci_index = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view k_oci_manifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view k_docker_list =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view k_docker_manifest =
    "application/vnd.docker.distribution.manifest.v2+json";
// The Accept header of a manifest request: both index types, both manifest types.
std::string manifest_accept();
bool is_index_type(std::string_view media_type);

struct Platform {
  std::string os;
  std::string architecture;
  std::string variant;  // "" when the node has none to match
};
struct ManifestInfo {
  std::string media_type;
  std::string config_digest;  // image manifests
  struct Entry {
    std::string digest;
    std::string media_type;
    Platform platform;
  };
  std::vector<Entry> manifests;  // indexes
};
// A manifest or index body. The media type comes from the body, else from `content_type`.
Result<ManifestInfo> parse_manifest(std::string_view body, std::string_view content_type);
// containerd's platform match: os and architecture equal, variant equal when the node has one
// and the entry names one. nullopt: "no match for platform in manifest".
std::optional<std::size_t> select_platform(const ManifestInfo& index, const Platform& node);

}  // namespace regcred::pull
