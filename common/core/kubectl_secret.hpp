// kubectl_secret.hpp: the Secret that `kubectl create secret docker-registry NAME
// --dry-run=client -o json|yaml` prints, byte for byte (kubectl 1.32). Pure.
#pragma once

#include <optional>
#include <string>

#include "common/core/result.hpp"
#include "common/core/secret.hpp"

namespace regcred::core {

struct DockerRegistrySecretSpec {
  std::string name;
  std::optional<std::string> namespace_;  // printed only when given, as kubectl does
  std::string server = "https://index.docker.io/v1/";
  std::string username;
  Secret password;
  std::string email;
};

// kubectl's handleDockerCfgJSONContent: json.Marshal of {"auths":{server:{username,password,
// email,auth}}}: compact, Go's escaping, empty fields omitted, no trailing newline.
Secret kubectl_dockerconfigjson(const DockerRegistrySecretSpec& spec);

// Errors: a name or namespace that is not a DNS-1123 subdomain/label, an empty username or
// password (kubectl refuses both).
Result<void> validate(const DockerRegistrySecretSpec& spec);

enum class OutputFormat { json, yaml };
// The manifest text kubectl prints, trailing newline included.
std::string render_docker_registry_secret(const DockerRegistrySecretSpec& spec, OutputFormat fmt);

}  // namespace regcred::core
