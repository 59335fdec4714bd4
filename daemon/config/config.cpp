#include "daemon/config/config.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <functional>
#include <map>

#include <yaml-cpp/yaml.h>

#include "common/core/go/duration.hpp"
#include "common/core/label_selector.hpp"
#include "common/io/safe_file.hpp"

namespace regcred::daemon {
namespace {

std::string host_name() {
  std::array<char, 256> buf{};
  if (::gethostname(buf.data(), buf.size() - 1) != 0) return "";
  return std::string(buf.data());
}

// What a value is, for the flag parser, the YAML reader and --print-config alike.
enum class Kind {
  text,      // one string
  list,      // repeatable flag; a YAML list (or one string)
  flag,      // a boolean flag; true or false in YAML
  duration,  // parse_duration
};

// One option, declared once: its flag (and YAML key), help, kind, and how it reads into and
// shows out of the Config. `set` gets the values as given (one for text, flag and duration).
struct Option {
  std::string_view name;  // the flag without "--", and the YAML key
  Kind kind;
  std::string_view help;
  std::function<Result<void>(Config&, const std::vector<std::string>&)> set;
  std::function<std::string(const Config&)> show;
  std::string_view yaml_alias = {};  // a second YAML key for a list ("namespaces")
};

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v)
    out += (out.empty() ? "" : ",") + s;
  return out;
}

template <std::string Config::*M>
Option text(std::string_view name, std::string_view help) {
  return {name, Kind::text, help,
          [](Config& c, const std::vector<std::string>& v) -> Result<void> {
            c.*M = v.front();
            return ok();
          },
          [](const Config& c) { return c.*M; }};
}

template <std::vector<std::string> Config::*M>
Option list(std::string_view name, std::string_view help, std::string_view yaml_alias = {}) {
  return {name,
          Kind::list,
          help,
          [](Config& c, const std::vector<std::string>& v) -> Result<void> {
            c.*M = v;
            return ok();
          },
          [](const Config& c) { return joined(c.*M); },
          yaml_alias};
}

template <bool Config::*M>
Option flag(std::string_view name, std::string_view help) {
  return {name, Kind::flag, help,
          [](Config& c, const std::vector<std::string>& v) -> Result<void> {
            c.*M = v.front() == "true";
            return ok();
          },
          [](const Config& c) { return std::string(c.*M ? "true" : "false"); }};
}

template <std::chrono::seconds Config::*M>
Option duration(std::string_view name, std::string_view help) {
  return {
      name, Kind::duration, help,
      [](Config& c, const std::vector<std::string>& v) -> Result<void> {
        REGCRED_TRY_ASSIGN(c.*M, parse_duration(v.front()));
        return ok();
      },
      [](const Config& c) {
        return core::format_go_duration(std::chrono::duration_cast<std::chrono::nanoseconds>(c.*M));
      }};
}

const std::vector<Option>& options() {
  static const std::vector<Option> k_options = {
      text<&Config::secrets_dir>("secrets-dir", "directory of Secret manifests"),
      text<&Config::kubeconfig>("kubeconfig", "kubeconfig of the daemon's identity"),
      flag<&Config::in_cluster>("in-cluster", "use the pod's service account"),
      text<&Config::published_namespace>(
          "published-namespace",
          "published mode: read only what regcred-publisher published into this namespace"),
      list<&Config::namespaces>("namespace", "direct mode: a namespace to read (repeatable)",
                                "namespaces"),
      flag<&Config::all_namespaces>("all-namespaces",
                                    "direct mode: read the pull secrets of every namespace"),
      text<&Config::label_selector>(
          "label-selector", "which pull secrets (default regcred.io/sync=true; \"\" for all)"),
      list<&Config::docker_configs>("docker-config", "docker config.json kept in sync (repeatable)",
                                    "docker-configs"),
      text<&Config::kubelet_config>("kubelet-config", "kubelet's node-wide config.json"),
      flag<&Config::local_credentials_node_wide>(
          "local-credentials-node-wide",
          "node-local credentials (root's docker login) reach kubelet and every file, not only "
          "root's own"),
      text<&Config::state_dir>("state-dir", "state folder (default /var/lib/regcred)"),
      text<&Config::socket>("socket", "status socket (default /run/regcred/regcredd.sock)"),
      text<&Config::socket_group>("socket-group",
                                  "group that may read credentials from the socket"),
      list<&Config::pull_tests>("pull-test", "image to pull-test (repeatable)"),
      duration<&Config::pull_test_interval>("pull-test-interval",
                                            "pull test interval (default 10m)"),
      {"pull-test-concurrency", Kind::text, "pull tests running at once (1 to 64; default 4)",
       [](Config& c, const std::vector<std::string>& v) -> Result<void> {
         const std::string& s = v.front();
         if (s.empty() || s.size() > 2 || s.find_first_not_of("0123456789") != std::string::npos ||
             std::stoul(s) == 0 || std::stoul(s) > 64) {
           return fail(Code::invalid_argument, "expected a number from 1 to 64");
         }
         c.pull_test_concurrency = std::stoul(s);
         return ok();
       },
       [](const Config& c) { return std::to_string(c.pull_test_concurrency); }},
      list<&Config::pull_test_ca_files>(
          "pull-test-ca-file",
          "CA certificates pull tests trust besides the system's (repeatable)"),
      text<&Config::pull_worker_socket>(
          "pull-worker-socket",
          "pull tests run in the worker answering on this socket, not in a child of regcredd's"),
      text<&Config::node_name>("node-name", "node name (default: the host name)"),
      duration<&Config::ready_timeout>("ready-timeout",
                                       "report READY at the latest after this (default 60s)"),
      flag<&Config::namespace_credentials>(
          "namespace-credentials",
          "keep every readable pull secret and answer regcred-credential-provider per namespace "
          "(kubelet tokenAttributes); the label selector then only picks what reaches the "
          "node-wide files"),
      text<&Config::service_account_audience>(
          "service-account-audience",
          "the audience a service account token must be for (kubelet's tokenAttributes "
          "serviceAccountTokenAudience; default regcred.io)"),
      text<&Config::service_account_issuer_keys>(
          "service-account-issuer-keys",
          "a JWKS file of the cluster's service-account issuer keys; default with a Kubernetes "
          "source: fetched from the API server (/openid/v1/jwks)"),
      text<&Config::service_account_issuer>(
          "service-account-issuer",
          "the issuer (iss) tokens must carry; default with a Kubernetes source: the API "
          "server's (/.well-known/openid-configuration)"),
      flag<&Config::node_conditions>(
          "node-conditions",
          "set the node's RegistryCredentialsReady condition and post events on its transitions "
          "(needs --kubeconfig or --in-cluster)"),
      {"provider-cache-duration", Kind::text,
       "cacheDuration of a provider answer with credentials (default 1m)",
       [](Config& c, const std::vector<std::string>& v) -> Result<void> {
         auto d = core::parse_go_duration(v.front());
         if (!d || d->count() < 0) {
           return fail(Code::invalid_argument,
                       "\"" + v.front() + "\": expected a duration like 1m or 30s");
         }
         c.provider_cache_duration = core::format_go_duration(*d);
         return ok();
       },
       [](const Config& c) { return c.provider_cache_duration; }},
      {"log-level", Kind::text, "debug, info, warning, error",
       [](Config& c, const std::vector<std::string>& v) -> Result<void> {
         auto l = io::parse_level(v.front());
         if (!l) {
           return fail(Code::invalid_argument,
                       "\"" + v.front() + "\": expected debug, info, warning or error");
         }
         c.log_level = *l;
         return ok();
       },
       [](const Config& c) { return std::string(io::level_name(c.log_level)); }},
  };
  return k_options;
}

// A YAML value as the option's strings; an error names the key.
Result<std::vector<std::string>> yaml_values(const YAML::Node& v, Kind kind) {
  if (v.IsNull()) {
    if (kind == Kind::list) return std::vector<std::string>{};
    if (kind == Kind::text) return std::vector<std::string>{""};
  }
  if (kind == Kind::list) {
    if (v.IsScalar()) return std::vector<std::string>{v.Scalar()};
    if (!v.IsSequence()) return fail(Code::invalid_argument, "expected a list of strings");
    std::vector<std::string> out;
    for (const auto& item : v) {
      if (!item.IsScalar()) return fail(Code::invalid_argument, "expected a list of strings");
      out.push_back(item.Scalar());
    }
    return out;
  }
  if (!v.IsScalar()) {
    return fail(Code::invalid_argument,
                kind == Kind::flag ? "expected true or false" : "expected a string");
  }
  if (kind == Kind::flag && v.Scalar() != "true" && v.Scalar() != "false") {
    return fail(Code::invalid_argument, "expected true or false");
  }
  return std::vector<std::string>{v.Scalar()};
}

Result<void> apply_yaml(const std::string& path, const std::string& text, Config& c,
                        std::map<std::string, std::string>& origin) {
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
    const std::string key = kv.first.as<std::string>("");
    const auto& all = options();
    auto it = std::find_if(all.begin(), all.end(), [&](const Option& o) {
      return o.name == key || (!o.yaml_alias.empty() && o.yaml_alias == key);
    });
    if (it == all.end()) return fail(Code::invalid_argument, path + ": " + key + ": unknown key");
    auto values = yaml_values(kv.second, it->kind);
    if (!values) return fail(std::move(values).error().context(path + ": " + key));
    if (auto r = it->set(c, *values); !r)
      return fail(std::move(r).error().context(path + ": " + key));
    origin[std::string(it->name)] = "file";
  }
  return ok();
}

// --print-config: each option, its value and where it came from.
std::string print_config(const Config& c, const std::map<std::string, std::string>& origin) {
  std::string out = "# regcredd configuration (" + c.config_file + ")\n";
  for (const auto& o : options()) {
    auto it = origin.find(std::string(o.name));
    out += std::string(o.name) + ": " + o.show(c) + "  # " +
           (it == origin.end() ? "default" : it->second) + "\n";
  }
  return out;
}

}  // namespace

Result<std::chrono::seconds> parse_duration(std::string_view text) {
  if (text.empty()) return fail(Code::invalid_argument, "empty duration");
  auto bad = [&] {
    return fail(Code::invalid_argument,
                "\"" + std::string(text) + "\": expected a duration like 30s, 10m or 1h");
  };
  if (text.find_first_not_of("0123456789") == std::string_view::npos) {
    if (text.size() > 9) return fail(Code::invalid_argument, "duration too large");
    return std::chrono::seconds(std::stol(std::string(text)));
  }
  auto d = core::parse_go_duration(text);
  if (!d || d->count() < 0) return bad();
  return std::chrono::duration_cast<std::chrono::seconds>(*d);
}

std::string config_file_of(const std::vector<std::string>& args) {
  CLI::App app;
  app.allow_extras();
  std::string config_file(k_default_config_file);
  app.add_option("--config", config_file);
  try {
    std::vector<std::string> rev(args.rbegin(), args.rend());
    app.parse(rev);
  } catch (const CLI::Error&) {
    return std::string(k_default_config_file);
  }
  return config_file;
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
  bool print = false;
  app.add_option("--config", config_file, "YAML configuration file")->capture_default_str();
  // Every option's flag, read into strings: the table's `set` checks and converts them after
  // the file, so that a flag overrides the same key in it.
  std::map<std::string, std::vector<std::string>> given;
  std::map<std::string, bool> flags;
  for (const auto& o : options()) {
    const std::string name = "--" + std::string(o.name);
    const std::string help(o.help);
    auto& values = given[std::string(o.name)];
    if (o.kind == Kind::flag) {
      app.add_flag(name, flags[std::string(o.name)], help);
    } else if (o.kind == Kind::list) {
      app.add_option(name, values, help);
    } else {
      app.add_option(name, values, help)->expected(1);
    }
  }
  app.add_flag("--once", c.once, "one full sync, write every sink, exit");
  app.add_flag("--check-config", c.check_config, "validate the configuration and exit");
  app.add_flag("--print-config", print,
               "print every option's value and where it came from (default, file, flag), exit");
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

  std::map<std::string, std::string> origin;
  c.config_file = config_file;
  const bool explicit_config = app.count("--config") > 0;
  auto text = io::read_whole_file(config_file, 1U << 20U);
  if (text) {
    REGCRED_TRY(apply_yaml(config_file, *text, c, origin));
  } else if (explicit_config || ::access(config_file.c_str(), F_OK) == 0) {
    return fail(Code::invalid_argument, text.error().message);
  }
  for (const auto& o : options()) {
    const std::string name(o.name);
    if (app.count("--" + name) == 0) continue;
    std::vector<std::string> values = o.kind == Kind::flag
                                          ? std::vector<std::string>{flags[name] ? "true" : "false"}
                                          : given[name];
    if (auto r = o.set(c, values); !r) return fail(std::move(r).error().context("--" + name));
    origin[name] = "flag";
  }
  if (c.node_name.empty()) c.node_name = host_name();
  if (print) {
    out.exit_now = true;
    out.output = print_config(c, origin);
  }
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
  const bool direct = !c.namespaces.empty() || c.all_namespaces;
  if (!c.published_namespace.empty() && direct) {
    return fail(Code::invalid_argument,
                "--published-namespace excludes --namespace and --all-namespaces");
  }
  if (!c.namespaces.empty() && c.all_namespaces) {
    return fail(Code::invalid_argument, "--namespace and --all-namespaces exclude each other");
  }
  if (c.has_kube_source() && !direct && c.published_namespace.empty()) {
    return fail(Code::invalid_argument,
                "the Kubernetes source needs --published-namespace NS (what regcred-publisher "
                "published), or, in direct mode, --namespace NS or --all-namespaces (which "
                "needs read access to every Secret in the cluster)");
  }
  if (!c.has_kube_source() && (direct || !c.published_namespace.empty())) {
    return fail(Code::invalid_argument,
                "--published-namespace, --namespace and --all-namespaces need --kubeconfig or "
                "--in-cluster");
  }
  if (c.namespace_credentials && !c.has_kube_source() && c.service_account_issuer_keys.empty()) {
    return fail(Code::invalid_argument,
                "--namespace-credentials trusts a service account token only once it verifies: "
                "give --service-account-issuer-keys FILE (a JWKS) or a Kubernetes source");
  }
  if (c.service_account_audience.empty()) {
    return fail(Code::invalid_argument, "--service-account-audience is empty");
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
