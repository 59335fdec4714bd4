// provider_config.hpp: the kubelet side of the exec plugin that regcred reproduces for its tests
// and for `regcredctl explain`: kubelet's plugin cache keys and hashes (OpenSSL's SHA-256), and
// the CredentialProviderConfig kubelet reads (YAML or JSON, decoded strictly, validated with
// kubelet's messages). Apart from provider.hpp so that the exec'd helpers link neither OpenSSL
// nor yaml-cpp. Pure.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/core/result.hpp"

namespace regcred::core {

// kubelet's plugin cache keys (cryptobyte length prefixes, big-endian).
std::string kubelet_cache_key(std::string_view base_key, std::string_view sa_key);
std::string kubelet_sa_cache_key(std::string_view ns, std::string_view name, std::string_view uid,
                                 const std::map<std::string, std::string>& annotations,
                                 std::string_view token_hash);  // "" unless cacheType Token
// "sha256:" + hex(sha256(token)); "" for an empty token.
std::string kubelet_token_hash(std::string_view token);
// --image-credential-provider-config's hash over the files in order.
std::string kubelet_config_hash(const std::vector<std::string>& files);

std::string sha256_hex(std::string_view data);

// A CredentialProviderConfig (kubelet.config.k8s.io v1, v1beta1, v1alpha1), decoded strictly and
// validated with kubelet's messages ("providers.name: Invalid value: ...").
struct TokenAttributes {
  std::string audience;
  std::string cache_type;
  std::optional<bool> require_service_account;
  std::vector<std::string> required_annotation_keys;
  std::vector<std::string> optional_annotation_keys;
};
struct ProviderConfigEntry {
  std::string name;
  std::vector<std::string> match_images;
  std::optional<std::string> default_cache_duration;
  std::string api_version;
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  std::optional<TokenAttributes> token_attributes;
};
struct ProviderConfig {
  std::vector<ProviderConfigEntry> providers;
};
// One file's text (YAML or JSON) -> its providers; errors are kubelet's read errors.
Result<ProviderConfig> decode_provider_config(std::string_view text);
// --image-credential-provider-config given a folder: the entries (name, text, is_dir) kubelet
// lists there; it reads the non-folder *.json, *.yaml, *.yml in name order and concatenates
// their providers. Errors: no such file, a duplicate provider name across files.
struct ConfigDirEntry {
  std::string name;
  std::string text;
  bool is_dir = false;
};
Result<ProviderConfig> read_provider_config_dir(const std::string& dir,
                                                std::vector<ConfigDirEntry> entries);
// validateCredentialProviderConfig over the providers of every file, in order.
Result<void> validate_provider_config(const ProviderConfig& cfg, bool sa_token_gate = true);

}  // namespace regcred::core
