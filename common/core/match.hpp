// match.hpp: which credential key serves an image, under the rules of each consumer:
//  - kubelet (pkg/credentialprovider keyring.go): keys normalised, per-label globs, equal ports,
//    path as a plain prefix, reverse byte order, every match returned, index.docker.io fallback;
//  - docker CLI (cli/config): one key per registry host, exact, then a legacy-key fallback;
//  - containers/image (pkg/docker/config): most specific namespace first, then normalised keys.
// Pure: callers pass the keys; nothing here reads a file.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.hpp"

namespace regcred::core {

// ---- kubelet ----

// filepath.Match (Go): '*', '?', '[...]' and '\' escapes; '*' does not cross '/'. An error for a
// malformed pattern.
Result<bool> go_path_match(std::string_view pattern, std::string_view name);

// URLsMatchStr(glob, target): both are schemeless "host[:port][/path]".
bool kubelet_urls_match(std::string_view glob, std::string_view target);

// Whether two host globs, as URLsMatch reads them (one label per '*', the port equal), can
// match one host: label by label, either matches the other. Paths are not compared.
bool kubelet_hosts_overlap(std::string_view a, std::string_view b);

// BasicDockerKeyring.Add's key: https:// prefixed unless a scheme is there, parsed, /v1/ or /v2/
// dropped from the path, host + path (host alone for "" or "/"). nullopt where kubelet logs
// and skips the key.
std::optional<std::string> kubelet_normalize_key(std::string_view config_key);

// isDefaultRegistryMatch(image).
bool kubelet_is_default_registry(std::string_view image);

inline constexpr std::string_view k_kubelet_default_registry_key = "index.docker.io";

// The index of a kubelet keyring built from config keys (in the order they were added).
class KubeletKeyring {
 public:
  explicit KubeletKeyring(const std::vector<std::string>& config_keys);
  ~KubeletKeyring();
  KubeletKeyring(KubeletKeyring&&) noexcept;
  KubeletKeyring& operator=(KubeletKeyring&&) noexcept;

  struct Match {
    std::string key;              // the normalised keyring key
    std::vector<std::size_t> of;  // which config keys (indexes into the input) it holds
    bool default_registry_fallback = false;
  };
  // Lookup(image): every matching key, most specific first; or the index.docker.io fallback.
  std::vector<Match> lookup(std::string_view image) const;

  // Config keys kubelet skips, with the reason.
  const std::vector<std::pair<std::size_t, std::string>>& skipped() const { return skipped_; }

 private:
  struct Entry;                 // a keyring key, the config keys it holds, the key parsed once
  std::vector<Entry> entries_;  // unique keys, reverse-sorted (more specific first)
  std::vector<std::pair<std::size_t, std::string>> skipped_;
};

// ---- docker CLI ----

// credentials.ConvertToHostname (2024 and later): url.Parse when there is "://", else cut at '/'.
std::string docker_convert_to_hostname(std::string_view s);
// The pre-2024 version: strip http:// or https://, cut at '/'.
std::string docker_convert_to_hostname_pre2024(std::string_view s);
// getAuthConfigKey: docker.io and index.docker.io -> https://index.docker.io/v1/.
std::string docker_auth_config_key(std::string_view registry_host);

// fileStore.Get(addr) over `keys`: the exact key, else the first key (in the given order) whose
// ConvertToHostname equals addr. Docker iterates a Go map there; we are deterministic.
std::optional<std::string> docker_file_store_key(const std::vector<std::string>& keys,
                                                 std::string_view addr);

// ---- containers/image ----

// containers/image's reference grammar has no bracketed IPv6 host: it refuses such an image
// ("invalid reference format") before any credential lookup, where docker and kubelet accept
// it. The refusal's text, or nullopt when it parses the domain.
std::optional<std::string> containers_reference_error(std::string_view domain);

// validateKey + authKeysForKey: the keys tried for "host/ns/repo", most specific first, or an
// error with containers/image's text for a key it refuses.
Result<std::vector<std::string>> containers_lookup_order(std::string_view key,
                                                         bool legacy_dockercfg = false);
// normalizeAuthFileKey.
std::string containers_normalize_auth_file_key(std::string_view key, bool legacy_dockercfg = false);
// normalizeRegistry: docker.io and registry-1.docker.io -> index.docker.io.
std::string containers_normalize_registry(std::string_view registry);

// findCredentialsInFile's key choice for repository `repo_key` ("host/ns/repo") over `keys`:
// the first exact key in lookup order, else the first key whose normalised form is the
// registry.
std::optional<std::string> containers_file_key(const std::vector<std::string>& keys,
                                               std::string_view repo_key,
                                               bool legacy_dockercfg = false);

}  // namespace regcred::core
