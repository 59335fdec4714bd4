// image_ref.hpp: docker image references (distribution/reference grammar) and their
// normalisation, as kubelet, docker and containers/image see them. Pure.
#pragma once

#include <string>
#include <string_view>

#include "common/core/result.hpp"

namespace regcred::core {

inline constexpr std::string_view k_docker_hub_domain = "docker.io";
inline constexpr std::string_view k_docker_hub_legacy_domain = "index.docker.io";
inline constexpr std::string_view k_docker_hub_auth_key = "https://index.docker.io/v1/";

struct ImageRef {
  std::string domain;  // "docker.io", "reg.example.com:5000", "[::1]:5000"
  std::string path;    // "library/busybox"
  std::string tag;     // "" when absent
  std::string digest;  // "" when absent; "sha256:..."

  // The repository without tag or digest: what kubelet passes to keyrings and plugins.
  std::string name() const { return domain + "/" + path; }
  // The full normalised reference: name[:tag][@digest].
  std::string full() const;
};

// reference.ParseNormalizedNamed: "busybox" -> docker.io/library/busybox, index.docker.io is
// an alias of docker.io, no tag is added. Errors name the part that is wrong.
Result<ImageRef> parse_image_ref(std::string_view ref);

// True for every spelling of Docker Hub as a registry host or credential key:
// docker.io, index.docker.io, registry-1.docker.io, with or without https:// and /v1/.
bool is_docker_hub(std::string_view host_or_key);

}  // namespace regcred::core
