#include "daemon/config/config.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>

#include <yaml-cpp/yaml.h>

#include "common/core/label_selector.hpp"
#include "common/core/provider.hpp"
#include "common/io/safe_file.hpp"

namespace regcred::daemon {
namespace {

std::string host_name() {
  std::array<char, 256> buf{};
  if (::gethostname(buf.data(), buf.size() - 1) != 0) return "";
  return std::string(buf.data());
}

// The YAML file's keys, as the flags spell them.
constexpr std::array<std::string_view, 22> k_keys = {"secrets-dir",
                                                     "kubeconfig",
                                                     "in-cluster",
                                                     "namespace",
                                                     "label-selector",
                                                     "docker-config",
                                                     "kubelet-config",
                                                     "state-dir",
                                                     "socket",
                                                     "socket-group",
                                                     "pull-test",
                                                     "pull-test-interval",
                                                     "node-name",
                                                     "log-level",
                                                     "ready-timeout",
                                                     "namespaces",
                                                     "docker-configs",
                                                     "namespace-credentials",
                                                     "provider-cache-duration"};

Result<void> apply_yaml(const std::string& path, const std::string& text, Config& c) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return fail(Code::invalid_argument,
                path + ": not YAML (line " + std::to_string(e.mark.line + 1) + ")");
  }
  if (root.IsNull()) return ok();
  if (!root.IsMap()) return fail(Code::invalid_argument, path + ": expected a mapping of keys");
  for (const auto& kv : root) {
    std::string key = kv.first.as<std::string>("");
    const YAML::Node& v = kv.second;
    auto bad = [&](std::string_view what) {
      return fail(Code::invalid_argument, path + ": " + key + ": " + std::string(what));
    };
    if (std::find(k_keys.begin(), k_keys.end(), key) == k_keys.end()) {
      return bad("unknown key");
    }
    auto scalar = [&](std::string& out) -> Result<void> {
      if (v.IsNull()) {
        out.clear();
        return ok();
      }
      if (!v.IsScalar()) return bad("expected a string");
      out = v.Scalar();
      return ok();
    };
    auto boolean = [&](bool& out) -> Result<void> {
      std::string word;
      REGCRED_TRY(scalar(word));
      if (word != "true" && word != "false") return bad("expected true or false");
      out = word == "true";
      return ok();
    };
    auto list = [&](std::vector<std::string>& out) -> Result<void> {
      out.clear();
      if (v.IsNull()) return ok();
      if (v.IsScalar()) {
        out.push_back(v.Scalar());
        return ok();
      }
      if (!v.IsSequence()) return bad("expected a list of strings");
      for (const auto& item : v) {
        if (!item.IsScalar()) return bad("expected a list of strings");
        out.push_back(item.Scalar());
      }
      return ok();
    };
    std::string s;
    if (key == "secrets-dir") {
      REGCRED_TRY(scalar(c.secrets_dir));
    } else if (key == "kubeconfig") {
      REGCRED_TRY(scalar(c.kubeconfig));
    } else if (key == "in-cluster") {
      REGCRED_TRY(boolean(c.in_cluster));
    } else if (key == "namespace" || key == "namespaces") {
      REGCRED_TRY(list(c.namespaces));
    } else if (key == "label-selector") {
      REGCRED_TRY(scalar(c.label_selector));
    } else if (key == "docker-config" || key == "docker-configs") {
      REGCRED_TRY(list(c.docker_configs));
    } else if (key == "kubelet-config") {
      REGCRED_TRY(scalar(c.kubelet_config));
    } else if (key == "state-dir") {
      REGCRED_TRY(scalar(c.state_dir));
    } else if (key == "socket") {
      REGCRED_TRY(scalar(c.socket));
    } else if (key == "socket-group") {
      REGCRED_TRY(scalar(c.socket_group));
    } else if (key == "pull-test") {
      REGCRED_TRY(list(c.pull_tests));
    } else if (key == "pull-test-ca-file") {
      REGCRED_TRY(list(c.pull_test_ca_files));
    } else if (key == "pull-test-concurrency") {
      REGCRED_TRY(scalar(s));
      if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos ||
          std::stoul(s) == 0 || std::stoul(s) > 64) {
        return bad("expected a number from 1 to 64");
      }
      c.pull_test_concurrency = std::stoul(s);
    } else if (key == "pull-test-interval" || key == "ready-timeout") {
      REGCRED_TRY(scalar(s));
      auto d = parse_duration(s);
      if (!d) return bad(d.error().message);
      (key == "ready-timeout" ? c.ready_timeout : c.pull_test_interval) = *d;
    } else if (key == "node-name") {
      REGCRED_TRY(scalar(c.node_name));
    } else if (key == "node-conditions") {
      REGCRED_TRY(boolean(c.node_conditions));
    } else if (key == "namespace-credentials") {
      REGCRED_TRY(boolean(c.namespace_credentials));
    } else if (key == "provider-cache-duration") {
      REGCRED_TRY(scalar(s));
      auto d = core::parse_go_duration(s);
      if (!d || d->count() < 0) return bad("expected a duration like 1m or 30s");
      c.provider_cache_duration = core::format_go_duration(*d);
    } else if (key == "log-level") {
      REGCRED_TRY(scalar(s));
      auto l = io::parse_level(s);
      if (!l) return bad("expected debug, info, warning or error");
      c.log_level = *l;
    }
  }
  return ok();
}

}  // namespace

Result<std::chrono::seconds> parse_duration(std::string_view text) {
  if (text.empty()) return fail(Code::invalid_argument, "empty duration");
  long long total = 0;
  long long num = -1;
  for (char ch : text) {
    if (ch >= '0' && ch <= '9') {
      num = (num < 0 ? 0 : num) * 10 + (ch - '0');
      if (num > 100000000) return fail(Code::invalid_argument, "duration too large");
      continue;
    }
    long long unit = ch == 's' ? 1 : ch == 'm' ? 60 : ch == 'h' ? 3600 : 0;
    if (unit == 0 || num < 0) {
      return fail(Code::invalid_argument,
                  "\"" + std::string(text) + "\": expected a duration like 30s, 10m or 1h");
    }
    total += num * unit;
    num = -1;
  }
  if (num >= 0) total += num;
  return std::chrono::seconds(total);
}

Result<ParsedArgs> load_config(const std::vector<std::string>& args) {
  ParsedArgs out;
  Config& c = out.config;
  CLI::App app{
      "regcredd: keeps the node's registry credential files in sync with the cluster's "
      "image pull secrets",
      "regcredd"};
  app.set_version_flag("--version", std::string("regcredd ") + REGCRED_VERSION);
  std::string config_file(k_default_config_file);
  Config flags;
  std::string log_level, interval, ready_timeout;
  app.add_option("--config", config_file, "YAML configuration file")->capture_default_str();
  app.add_option("--secrets-dir", flags.secrets_dir, "directory of Secret manifests");
  app.add_option("--kubeconfig", flags.kubeconfig, "kubeconfig of the daemon's identity");
  app.add_flag("--in-cluster", flags.in_cluster, "use the pod's service account");
  app.add_option("--namespace", flags.namespaces, "namespace to watch (repeatable; default all)");
  app.add_option("--label-selector", flags.label_selector,
                 "which pull secrets (default regcred.io/sync=true; \"\" for all)");
  app.add_option("--docker-config", flags.docker_configs,
                 "docker config.json kept in sync (repeatable)");
  app.add_option("--kubelet-config", flags.kubelet_config, "kubelet's node-wide config.json");
  app.add_option("--state-dir", flags.state_dir, "state folder (default /var/lib/regcred)");
  app.add_option("--socket", flags.socket, "status socket (default /run/regcred/regcredd.sock)");
  app.add_option("--socket-group", flags.socket_group,
                 "group that may read credentials from the socket");
  app.add_option("--pull-test", flags.pull_tests, "image to pull-test (repeatable)");
  app.add_option("--pull-test-interval", interval, "pull test interval (default 10m)");
  app.add_option("--pull-test-concurrency", flags.pull_test_concurrency,
                 "pull tests running at once (default 4)")
      ->check(CLI::Range(1, 64));
  app.add_option("--pull-test-ca-file", flags.pull_test_ca_files,
                 "CA certificates pull tests trust besides the system's (repeatable)");
  app.add_option("--node-name", flags.node_name, "node name (default: the host name)");
  app.add_option("--ready-timeout", ready_timeout,
                 "report READY at the latest after this (default 60s)");
  app.add_flag("--namespace-credentials", flags.namespace_credentials,
               "keep every readable pull secret and answer regcred-credential-provider per "
               "namespace (kubelet tokenAttributes); the label selector then only picks what "
               "reaches the node-wide files");
  app.add_flag("--node-conditions", flags.node_conditions,
               "set the node's RegistryCredentialsReady condition and post events on its "
               "transitions (needs --kubeconfig or --in-cluster)");
  std::string provider_cache;
  app.add_option("--provider-cache-duration", provider_cache,
                 "cacheDuration of a provider answer with credentials (default 1m)");
  app.add_flag("--once", c.once, "one full sync, write every sink, exit");
  app.add_flag("--check-config", c.check_config, "validate the configuration and exit");
  app.add_option("--log-level", log_level, "debug, info, warning, error");
  try {
    std::vector<std::string> rev(args.rbegin(), args.rend());
    app.parse(rev);
  } catch (const CLI::CallForHelp&) {
    out.exit_now = true;
    out.output = app.help();
    return out;
  } catch (const CLI::CallForVersion&) {
    out.exit_now = true;
    out.output = std::string("regcredd ") + REGCRED_VERSION + "\n";
    return out;
  } catch (const CLI::ParseError& e) {
    return fail(Code::invalid_argument, e.what());
  }

  c.config_file = config_file;
  bool explicit_config = app.count("--config") > 0;
  auto text = io::read_whole_file(config_file, 1U << 20U);
  if (text) {
    REGCRED_TRY(apply_yaml(config_file, *text, c));
  } else if (explicit_config || ::access(config_file.c_str(), F_OK) == 0) {
    return fail(Code::invalid_argument, text.error().message);
  }

  auto given = [&](const char* flag) { return app.count(flag) > 0; };
  if (given("--secrets-dir")) c.secrets_dir = flags.secrets_dir;
  if (given("--kubeconfig")) c.kubeconfig = flags.kubeconfig;
  if (given("--in-cluster")) c.in_cluster = flags.in_cluster;
  if (given("--namespace")) c.namespaces = flags.namespaces;
  if (given("--label-selector")) c.label_selector = flags.label_selector;
  if (given("--docker-config")) c.docker_configs = flags.docker_configs;
  if (given("--kubelet-config")) c.kubelet_config = flags.kubelet_config;
  if (given("--state-dir")) c.state_dir = flags.state_dir;
  if (given("--socket")) c.socket = flags.socket;
  if (given("--socket-group")) c.socket_group = flags.socket_group;
  if (given("--pull-test")) c.pull_tests = flags.pull_tests;
  if (given("--pull-test-concurrency")) c.pull_test_concurrency = flags.pull_test_concurrency;
  if (given("--pull-test-ca-file")) c.pull_test_ca_files = flags.pull_test_ca_files;
  if (given("--node-name")) c.node_name = flags.node_name;
  if (given("--namespace-credentials")) c.namespace_credentials = flags.namespace_credentials;
  if (given("--node-conditions")) c.node_conditions = flags.node_conditions;
  if (given("--provider-cache-duration")) {
    auto d = core::parse_go_duration(provider_cache);
    if (!d || d->count() < 0) {
      return fail(Code::invalid_argument, "--provider-cache-duration: \"" + provider_cache +
                                              "\": expected a duration like 1m or 30s");
    }
    c.provider_cache_duration = core::format_go_duration(*d);
  }
  if (given("--pull-test-interval")) {
    auto d = parse_duration(interval);
    if (!d) return fail(std::move(d).error().context("--pull-test-interval"));
    c.pull_test_interval = *d;
  }
  if (given("--ready-timeout")) {
    auto d = parse_duration(ready_timeout);
    if (!d) return fail(std::move(d).error().context("--ready-timeout"));
    c.ready_timeout = *d;
  }
  if (given("--log-level")) {
    auto l = io::parse_level(log_level);
    if (!l) {
      return fail(Code::invalid_argument,
                  "--log-level: \"" + log_level + "\": expected debug, info, warning or error");
    }
    c.log_level = *l;
  }
  if (c.node_name.empty()) c.node_name = host_name();
  return out;
}

Result<void> validate(const Config& c) {
  if (c.secrets_dir.empty() && !c.has_kube_source()) {
    return fail(Code::invalid_argument,
                "no source: give --secrets-dir, --kubeconfig or --in-cluster");
  }
  if (!c.kubeconfig.empty() && c.in_cluster) {
    return fail(Code::invalid_argument, "--kubeconfig and --in-cluster exclude each other");
  }
  if (c.node_conditions && !c.has_kube_source()) {
    return fail(Code::invalid_argument, "--node-conditions needs --kubeconfig or --in-cluster");
  }
  auto sel = core::LabelSelector::parse(c.label_selector);
  if (!sel) return fail(std::move(sel).error().context("--label-selector"));
  std::vector<std::string> sinks = c.docker_configs;
  if (!c.kubelet_config.empty()) sinks.push_back(c.kubelet_config);
  std::sort(sinks.begin(), sinks.end());
  if (auto d = std::adjacent_find(sinks.begin(), sinks.end()); d != sinks.end()) {
    return fail(Code::invalid_argument, "sink " + *d + " is given twice");
  }
  for (const auto& s : sinks) {
    if (s.empty() || s.back() == '/') {
      return fail(Code::invalid_argument, "sink \"" + s + "\": expected a file path");
    }
  }
  if (c.state_dir.empty()) return fail(Code::invalid_argument, "--state-dir is empty");
  if (c.socket.size() >= 108) {
    return fail(Code::invalid_argument,
                "--socket " + c.socket + ": longer than a Unix socket path may be (107 bytes)");
  }
  return ok();
}

}  // namespace regcred::daemon
