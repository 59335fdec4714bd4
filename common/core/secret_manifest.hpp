// secret_manifest.hpp: Kubernetes Secret objects from the text of a manifest, as
// `kubectl get secret -o yaml|json` prints them: one document, multi-document YAML, or a
// `kind: List`. `data` is base64 (decoded here, as the API server does), `stringData` is plain
// and wins over `data` for the same key. Pure: the caller reads the file.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/docker_config.hpp"
#include "common/core/result.hpp"
#include "common/core/secret.hpp"

namespace regcred::core {

inline constexpr std::string_view k_type_dockerconfigjson = "kubernetes.io/dockerconfigjson";
inline constexpr std::string_view k_type_dockercfg = "kubernetes.io/dockercfg";
inline constexpr std::string_view k_key_dockerconfigjson = ".dockerconfigjson";
inline constexpr std::string_view k_key_dockercfg = ".dockercfg";

struct SecretManifest {
  std::string origin;  // "<input>#<document>", for messages
  std::string name;
  std::string namespace_;
  std::string uid;
  std::string resource_version;
  std::string type;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;  // from the API server: regcred.io/ ones only
  std::map<std::string, Secret> data;              // decoded values
  std::map<std::string, std::string> data_raw;     // data[key] as written (base64), for lint
  std::map<std::string, std::string> data_error;   // data[key] that is not base64: the reason
  std::vector<std::string> string_data_keys;       // keys that came from stringData

  // "namespace/name", or "name" when the manifest has no namespace.
  std::string display_name() const;
  bool is_pull_secret() const {
    return type == k_type_dockerconfigjson || type == k_type_dockercfg;
  }
};

// One secret added, modified or deleted (a deleted one carries its namespace and name).
struct SecretChange {
  SecretManifest secret;
  bool removed = false;
};

struct ManifestSet {
  std::vector<SecretManifest> secrets;
  std::vector<Error> problems;  // one per document that is not a usable Secret object
};

// Parses every document in `text`. Objects of another kind are skipped without a problem; a
// Secret without metadata.name, or with fields of the wrong type, is a problem. The whole call
// fails only when the text is neither YAML nor JSON.
Result<ManifestSet> parse_secret_manifests(std::string_view text, std::string_view origin);

// Sets data (base64, decoded here as the API server decodes it; a value that is not base64 is
// kept in data_error) and stringData (plain, and it wins), as the readers of a manifest and of
// the API server's JSON (watch_event.cpp) found them.
void set_secret_data(SecretManifest& s, std::map<std::string, std::string> data,
                     std::map<std::string, std::string> string_data);

// What kubelet reads from a pull secret (secrets.MakeDockerKeyring): the entries of
// .dockerconfigjson (type kubernetes.io/dockerconfigjson) or .dockercfg (kubernetes.io/dockercfg).
// Errors: type and data key disagree, data missing, payload not a docker config.
Result<DockerConfig> pull_secret_config(const SecretManifest& s);

}  // namespace regcred::core
