#include "helper/ctl/run.hpp"

#include "helper/ctl/doctor.hpp"
#include "helper/ctl/output.hpp"
#include "helper/ctl/pull_cmd.hpp"

#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "common/core/answer.hpp"
#include "common/core/docker_config.hpp"
#include "common/core/image_ref.hpp"
#include "common/core/kubectl_secret.hpp"
#include "common/core/lint.hpp"
#include "common/core/match.hpp"
#include "common/core/secret_manifest.hpp"
#include "common/core/yaml_text.hpp"

namespace regcred::ctl {
namespace {

using core::Json;

constexpr int k_exit_ok = 0;
constexpr int k_exit_failure = 1;
constexpr int k_exit_usage = 2;

Result<std::string> read_input(const std::string& path, std::istream& in) {
  if (path == "-") return std::string(std::istreambuf_iterator<char>(in), {});
  std::ifstream f(path, std::ios::binary);
  if (!f) return fail(Code::io_error, "read " + path + ": " + std::strerror(errno));
  std::string text(std::istreambuf_iterator<char>(f), {});
  if (f.bad()) return fail(Code::io_error, "read " + path + ": " + std::strerror(errno));
  return text;
}

}  // namespace

void print_structured(const nlohmann::ordered_json& j, const std::string& format,
                      std::ostream& out) {
  if (format == "json") {
    out << j.dump(2) << "\n";
    return;
  }
  out << core::to_yaml_text(j);
}

namespace {

// ---- secret create ----

struct CreateOptions {
  std::string name;
  std::string server = "https://index.docker.io/v1/";
  std::string username;
  std::optional<std::string> password;
  bool password_stdin = false;
  std::string email;
  std::optional<std::string> namespace_;
};

int secret_create(const CreateOptions& o, const std::string& format, std::istream& in,
                  std::ostream& out, std::ostream& err) {
  core::DockerRegistrySecretSpec spec;
  spec.name = o.name;
  spec.namespace_ = o.namespace_;
  spec.server = o.server;
  spec.username = o.username;
  spec.email = o.email;
  if (o.password_stdin) {
    // As `docker login --password-stdin`: the whole input, less one trailing newline.
    std::string p(std::istreambuf_iterator<char>(in), {});
    if (p.ends_with('\n')) p.pop_back();
    if (p.ends_with('\r')) p.pop_back();
    spec.password = Secret(std::move(p));
  } else if (o.password) {
    err << "regcredctl: warning: a password given with --docker-password is visible in the "
           "process list and shell history; prefer --docker-password-stdin\n";
    spec.password = Secret(*o.password);
  } else {
    err << "regcredctl: secret create: give the password with --docker-password-stdin (or "
           "--docker-password)\n";
    return k_exit_usage;
  }
  if (auto v = core::validate(spec); !v) {
    err << "regcredctl: secret create: " << v.error().message << "\n";
    return k_exit_usage;
  }
  if (format != "json" && format != "yaml") {
    err << "regcredctl: secret create: -o must be json or yaml\n";
    return k_exit_usage;
  }
  out << core::render_docker_registry_secret(
      spec, format == "json" ? core::OutputFormat::json : core::OutputFormat::yaml);
  return k_exit_ok;
}

// ---- secret lint ----

int secret_lint(const std::string& path, const std::string& format, std::istream& in,
                std::ostream& out, std::ostream& err) {
  const std::string origin = path == "-" ? "<stdin>" : path;
  auto text = read_input(path, in);
  if (!text) {
    err << "regcredctl: secret lint: " << text.error().message << "\n";
    return k_exit_failure;
  }
  auto set = core::parse_secret_manifests(*text, origin);
  if (!set) {
    err << "regcredctl: secret lint: " << set.error().message << "\n";
    return k_exit_failure;
  }
  Json report = Json::array();
  std::size_t problems = 0;
  for (const auto& e : set->problems) {
    ++problems;
    if (format == "table") out << e.message << "\n";
    report.push_back({{"origin", origin}, {"code", "bad-manifest"}, {"message", e.message}});
  }
  if (set->secrets.empty() && set->problems.empty()) {
    ++problems;
    const std::string msg = origin + ": no Secret object found";
    if (format == "table") out << msg << "\n";
    report.push_back({{"origin", origin}, {"code", "no-secret"}, {"message", msg}});
  }
  for (const auto& s : set->secrets) {
    for (const auto& p : core::lint_pull_secret(s)) {
      ++problems;
      if (format == "table") out << core::format_lint_line(s, p) << "\n";
      Json j = {{"secret", s.display_name()}, {"code", std::string(p.code)}};
      j["key"] = p.has_key ? Json(p.key) : Json(nullptr);
      j["message"] = p.message;
      report.push_back(std::move(j));
    }
  }
  if (format != "table") print_structured(report, format, out);
  if (problems > 0) return k_exit_failure;
  if (format == "table")
    err << "regcredctl: " << set->secrets.size() << " secret(s) checked: no problems\n";
  return k_exit_ok;
}

// ---- explain ----

std::string default_docker_config(const Env& env) {
  if (auto d = env.get("DOCKER_CONFIG"); d && !d->empty()) return *d + "/config.json";
  return env.get("HOME").value_or("/root") + "/.docker/config.json";
}

Result<Json> explain(const std::string& image, const core::DockerConfig& cfg) {
  REGCRED_TRY_ASSIGN(core::ImageRef ref, core::parse_image_ref(image));
  const std::string repo = ref.name();
  std::vector<std::string> keys;
  for (const auto& e : cfg.auths())
    keys.push_back(e.key);

  Json out = Json::object();
  out["image"] = repo;

  // kubelet: every match, most specific first.
  core::KubeletKeyring keyring(keys);
  Json matches = Json::array();
  bool fallback = false;
  for (const auto& m : keyring.lookup(repo)) {
    for (auto i : m.of)
      matches.push_back(keys[i]);
    fallback = fallback || m.default_registry_fallback;
  }
  out["kubelet"] = {{"matches", matches},
                    {"defaultRegistryFallback", fallback},
                    {"firstKey", matches.empty() ? Json(nullptr) : matches.front()}};

  // regcred-credential-provider over the same credentials: what kubelet would get from it.
  auto answer = core::provider_answer(core::table_of(cfg), repo, core::k_provider_v1, "1m0s");
  Json auth = Json::array();
  for (const auto& [pattern, a] : answer.response.auth) {
    std::string key;
    for (const auto& e : cfg.auths()) {
      if (core::kubelet_normalize_key(e.key) == pattern) {
        key = e.key;
        break;
      }
    }
    auth.push_back({{"pattern", pattern}, {"key", key}, {"username", a.username}});
  }
  // kubelet tries the patterns reverse-sorted, most specific first.
  std::reverse(auth.begin(), auth.end());
  out["provider"] = {
      {"cacheKeyType", answer.response.cache_key_type},
      {"cacheDuration", *answer.response.cache_duration},
      {"auth", auth},
      {"firstPattern", answer.first_key.empty() ? Json(nullptr) : Json(answer.first_key)}};

  // docker CLI: credHelpers[key], else credsStore, else the file.
  const std::string docker_addr = core::docker_auth_config_key(ref.domain);
  Json docker = {{"serverAddress", docker_addr}, {"key", nullptr}};
  const Json& root = cfg.root();
  std::string helper;
  if (auto h = root.find("credHelpers"); h != root.end() && h->is_object() &&
                                         h->contains(docker_addr) && (*h)[docker_addr].is_string())
    helper = (*h)[docker_addr].get<std::string>();
  else if (auto s = root.find("credsStore");
           s != root.end() && s->is_string() && !s->get<std::string>().empty())
    helper = s->get<std::string>();
  if (!helper.empty()) {
    docker["helper"] = "docker-credential-" + helper;
  } else if (auto k = core::docker_file_store_key(keys, docker_addr)) {
    docker["key"] = *k;
  }
  out["docker"] = std::move(docker);

  // containers/image: credHelpers[registry], else the most specific auths key.
  Json containers = {{"key", nullptr}};
  if (auto refused = core::containers_reference_error(ref.domain)) {
    containers["error"] = *refused;
  } else if (auto order = core::containers_lookup_order(repo)) {
    containers["tried"] = *order;
  }
  if (containers.contains("error")) {
    // containers/image stops at the reference: no key is tried.
  } else if (auto h = root.find("credHelpers"); h != root.end() && h->is_object() &&
                                                h->contains(ref.domain) &&
                                                (*h)[ref.domain].is_string()) {
    containers["helper"] = "docker-credential-" + (*h)[ref.domain].get<std::string>();
  } else if (auto k = core::containers_file_key(keys, repo)) {
    containers["key"] = *k;
  }
  out["containers"] = std::move(containers);
  return out;
}

int run_explain(const std::string& image, const std::optional<std::string>& config_path,
                const std::string& format, std::ostream& out, std::ostream& err, const Env& env) {
  const std::string path = config_path.value_or(default_docker_config(env));
  std::ifstream probe(path);
  std::string text = "{}";
  if (probe) {
    text.assign(std::istreambuf_iterator<char>(probe), {});
  } else if (config_path) {
    err << "regcredctl: explain: read " << path << ": " << std::strerror(errno) << "\n";
    return k_exit_failure;
  }
  auto cfg = core::DockerConfig::parse(text);
  if (!cfg) {
    err << "regcredctl: explain: " << path << ": " << cfg.error().message << "\n";
    return k_exit_failure;
  }
  auto j = explain(image, *cfg);
  if (!j) {
    err << "regcredctl: explain: " << j.error().message << "\n";
    return k_exit_usage;
  }
  if (format != "table") {
    print_structured(*j, format, out);
    return k_exit_ok;
  }
  auto show = [](const Json& v) {
    return v.is_null() ? std::string("(none)") : v.get<std::string>();
  };
  out << "IMAGE       " << (*j)["image"].get<std::string>() << "\n";
  std::string kubelet;
  for (const auto& m : (*j)["kubelet"]["matches"])
    kubelet += (kubelet.empty() ? "" : ", ") + m.get<std::string>();
  if ((*j)["kubelet"]["defaultRegistryFallback"].get<bool>())
    kubelet += " (index.docker.io fallback)";
  out << "KUBELET     " << (kubelet.empty() ? "(none: anonymous pull)" : kubelet) << "\n";
  const Json& p = (*j)["provider"];
  std::string provider;
  for (const auto& a : p["auth"]) {
    provider += (provider.empty() ? "" : ", ") + a["pattern"].get<std::string>() + " (user " +
                a["username"].get<std::string>() + ")";
  }
  out << "PROVIDER    " << (provider.empty() ? "(no credentials)" : provider) << "; cacheKeyType "
      << p["cacheKeyType"].get<std::string>() << ", cacheDuration "
      << p["cacheDuration"].get<std::string>() << "\n";
  const Json& d = (*j)["docker"];
  out << "DOCKER      "
      << (d.contains("helper") ? "helper " + d["helper"].get<std::string>() : show(d["key"]))
      << "\n";
  const Json& c = (*j)["containers"];
  out << "CONTAINERS  "
      << (c.contains("helper") ? "helper " + c["helper"].get<std::string>() : show(c["key"]))
      << "\n";
  return k_exit_ok;
}

}  // namespace

int run(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
        std::ostream& err, const Env& env) {
  CLI::App app{"regcredctl: inspect and debug Kubernetes image-pull credentials on a node",
               "regcredctl"};
  app.set_version_flag("--version", std::string("regcredctl ") + REGCRED_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  std::string format = "table";
  std::string socket = env.get("REGCRED_SOCKET").value_or("/run/regcred/regcredd.sock");
  app.add_option("-o,--output", format, "Output format")
      ->check(CLI::IsMember({"table", "json", "yaml"}));
  app.add_option("--socket", socket, "regcredd's status socket");

  auto* secret = app.add_subcommand("secret", "Build and check pull secrets");
  secret->require_subcommand(1);

  CreateOptions create;
  auto* create_cmd = secret->add_subcommand(
      "create",
      "Print the Secret that kubectl create secret docker-registry --dry-run=client prints");
  create_cmd->add_option("name", create.name, "Secret name")->required();
  create_cmd->add_option("--docker-server", create.server, "Registry server")
      ->capture_default_str();
  create_cmd->add_option("--docker-username", create.username, "User name")->required();
  auto* pw = create_cmd->add_option("--docker-password", create.password,
                                    "Password (visible in the process list: prefer stdin)");
  create_cmd
      ->add_flag("--docker-password-stdin", create.password_stdin,
                 "Read the password from standard input")
      ->excludes(pw);
  create_cmd->add_option("--docker-email", create.email, "Email");
  create_cmd->add_option("-n,--namespace", create.namespace_, "Namespace");

  std::string lint_path;
  auto* lint_cmd = secret->add_subcommand(
      "lint", "Decode and check Secret manifests (as kubectl get secret -o yaml prints them)");
  lint_cmd->add_option("file", lint_path, "Manifest file, or - for standard input")->required();

  std::string image;
  std::optional<std::string> docker_config;
  auto* explain_cmd = app.add_subcommand(
      "explain",
      "Which credential keys match IMAGE under kubelet's, docker's and containers' rules");
  explain_cmd->add_option("image", image, "Image reference")->required();
  explain_cmd->add_option("--docker-config", docker_config,
                          "docker config.json to read (default: $DOCKER_CONFIG/config.json or "
                          "~/.docker/config.json)");

  PullTestArgs pull;
  auto* pull_cmd = app.add_subcommand("pull-test", "One registry-protocol pull check now");
  pull_cmd->add_option("image", pull.image, "Image reference")->required();
  pull_cmd->add_option("--docker-config", pull.docker_config,
                       "credentials from this docker config.json (default: regcredd's store)");
  pull_cmd->add_option("--ca-file", pull.ca_files, "extra CA certificates (repeatable)");

  auto* reload_cmd = app.add_subcommand("reload", "Make regcredd re-read its configuration");
  auto* status_cmd = app.add_subcommand(
      "status", "regcredd's health, sources, files, secrets and last pull tests");
  DoctorArgs doctor;
  auto* doctor_cmd = app.add_subcommand(
      "doctor", "The node-level ImagePullBackOff checklist for IMAGE, each step with a hint");
  doctor_cmd->add_option("image", doctor.image, "Image reference")->required();
  doctor_cmd->add_option("-n,--namespace", doctor.namespace_, "the pod's namespace");
  doctor_cmd->add_option("--secret", doctor.secret, "the pod's imagePullSecret");
  doctor_cmd->add_option("--ca-file", doctor.ca_files, "extra CA certificates (repeatable)");
  doctor_cmd
      ->add_option("--containerd-socket", doctor.containerd_socket,
                   "containerd's socket, for a pull through the runtime")
      ->capture_default_str();
  doctor_cmd
      ->add_option("--containerd-hosts-dir", doctor.containerd_hosts_dir,
                   "containerd's registry host config (hosts.toml, CA files)")
      ->capture_default_str();

  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::Success& e) {
    return app.exit(e, out, err);
  } catch (const CLI::ParseError& e) {
    app.exit(e, out, err);
    return k_exit_usage;
  }

  if (*create_cmd) {
    if (format == "table") format = "yaml";
    return secret_create(create, format, in, out, err);
  }
  if (*lint_cmd) return secret_lint(lint_path, format, in, out, err);
  if (*explain_cmd) return run_explain(image, docker_config, format, out, err, env);
  if (*status_cmd) return run_status(socket, format, out, err);
  if (*reload_cmd) return run_reload(socket, out, err);
  if (*doctor_cmd) {
    doctor.socket = socket;
    doctor.state_dir = env.get("REGCRED_STATE_DIR").value_or("/var/lib/regcred");
    return run_doctor(doctor, format, out, err);
  }
  if (*pull_cmd) {
    pull.socket = socket;
    pull.state_dir = env.get("REGCRED_STATE_DIR").value_or("/var/lib/regcred");
    return run_pull_test(pull, format, out, err);
  }
  return k_exit_usage;
}

}  // namespace regcred::ctl
