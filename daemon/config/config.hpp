// config.hpp: regcredd's typed configuration, loaded once. Precedence: built-in defaults, then
// the YAML file (--config, default /etc/regcred/regcredd.yaml; a missing default file means
// defaults), then flags. YAML keys are the flag names without the dashes; a list flag is a YAML
// list (`docker-config: [a, b]`). An unknown key or a value of the wrong type is an error that
// names the file and the key.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/core/result.hpp"
#include "common/io/log.hpp"

namespace regcred::daemon {

inline constexpr std::string_view k_default_config_file = "/etc/regcred/regcredd.yaml";
inline constexpr std::string_view k_default_label_selector = "regcred.io/sync=true";

struct Config {
  std::string config_file;
  std::string secrets_dir;
  std::string kubeconfig;
  bool in_cluster = false;
  // Direct mode: the namespaces to read, or all of them (the admin's explicit choice).
  std::vector<std::string> namespaces;
  bool all_namespaces = false;
  // Published mode: the one namespace regcred-publisher publishes into.
  std::string published_namespace;
  std::string label_selector = std::string(k_default_label_selector);
  std::vector<std::string> docker_configs;
  // Root's node-local credentials (docker login on the node) in every file and kubelet's
  // answers; by default only in root's own docker config files and root's helper answers.
  bool local_credentials_node_wide = false;
  std::string kubelet_config;
  std::string state_dir = "/var/lib/regcred";
  std::string socket = "/run/regcred/regcredd.sock";
  std::string socket_group;  // may read credentials from the socket, besides root
  std::vector<std::string> pull_tests;
  std::chrono::seconds pull_test_interval{600};
  std::size_t pull_test_concurrency = 4;        // pull tests running at once
  std::vector<std::string> pull_test_ca_files;  // CAs trusted besides the system's
  // Pull tests run in the worker answering on this socket (as a user of its own), not in a
  // child of regcredd's.
  std::string pull_worker_socket;
  std::string node_name;
  std::chrono::seconds ready_timeout{60};  // READY=1 at the latest after this, with a STATUS
  // KEP-4412 mode: keep every pull secret the daemon may read (the label selector then only
  // chooses what reaches the node-wide files) and answer the provider per namespace.
  bool namespace_credentials = false;
  // Namespace-scoped answers trust a service account token only once it verifies: signed by
  // the cluster's issuer (keys from the API server, or this JWKS file), for this audience.
  std::string service_account_audience = "regcred.io";
  std::string service_account_issuer_keys;  // a JWKS file; "" with a Kubernetes source: fetched
  std::string service_account_issuer;       // the iss tokens must carry; "" takes the API server's
  // The RegistryCredentialsReady node condition and its events (needs a Kubernetes source).
  bool node_conditions = false;
  std::string provider_cache_duration = "1m0s";  // cacheDuration of a provider answer
  bool once = false;
  bool check_config = false;
  io::Level log_level = io::Level::info;

  bool has_kube_source() const { return !kubeconfig.empty() || in_cluster; }
};

struct ParsedArgs {
  Config config;
  bool exit_now = false;  // --help / --version printed
  int exit_code = 0;
  std::string output;  // what --help / --version print
};

// Parses argv (without argv[0]) and the config file it names. Errors are usage errors (exit 2).
Result<ParsedArgs> load_config(const std::vector<std::string>& args);

// The configuration file the arguments name (--config), whether or not they parse.
std::string config_file_of(const std::vector<std::string>& args);

// Checks what flags alone cannot: a source, no conflicting sources, parsable label selector.
Result<void> validate(const Config& c);

// "30s", "10m", "1h", "1h30m", or plain seconds.
Result<std::chrono::seconds> parse_duration(std::string_view text);

}  // namespace regcred::daemon
