// secrets.hpp: Secret objects for the daemon's unit tests.
#pragma once

#include <string>

#include "common/core/go/encoding.hpp"
#include "common/core/secret_manifest.hpp"

namespace regcred::testing {

// A kubernetes.io/dockerconfigjson secret with one registry, as kubectl creates it.
inline core::SecretManifest pull_secret(std::string ns, std::string name, std::string registry,
                                        std::string user, std::string pw) {
  core::SecretManifest s;
  s.namespace_ = std::move(ns);
  s.name = std::move(name);
  s.type = std::string(core::k_type_dockerconfigjson);
  std::string auth = core::base64_encode(user + ":" + pw);
  s.data[std::string(core::k_key_dockerconfigjson)] =
      Secret("{\"auths\":{\"" + registry + "\":{\"auth\":\"" + auth + "\"}}}");
  return s;
}

}  // namespace regcred::testing
