#include "common/kube/kubeconfig.hpp"

#include "common/core/json_fields.hpp"
#include "common/io/time_text.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <thread>

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "common/core/go/encoding.hpp"
#include "common/io/log.hpp"
#include "common/io/safe_file.hpp"
#include "common/io/spawn.hpp"

extern char** environ;

namespace regcred::kube {
namespace {

constexpr std::size_t k_max_file = 1U << 20U;
constexpr auto k_token_file_period = std::chrono::minutes(1);
constexpr auto k_exec_timeout = std::chrono::seconds(30);
constexpr auto k_exec_exit_grace = std::chrono::seconds(5);

std::string resolve(const std::string& base_dir, const std::string& p) {
  if (p.empty() || p[0] == '/') return p;
  return base_dir + "/" + p;
}

std::string str(const YAML::Node& n, const char* key) {
  const YAML::Node v = n[key];
  if (!v || !v.IsScalar()) return "";
  return v.Scalar();
}

const YAML::Node find_named(const YAML::Node& list, const std::string& name, const char* inner) {
  if (!list || !list.IsSequence()) return YAML::Node();
  for (const auto& item : list) {
    if (item["name"] && item["name"].Scalar() == name) return item[inner];
  }
  return YAML::Node();
}

Result<std::string> decode_data(const std::string& what, const std::string& b64) {
  auto d = core::base64_decode(b64, core::Padding::required);
  if (!d) return fail(Code::invalid_argument, what + ": not base64");
  return *d;
}

std::string trim_newlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' '))
    s.pop_back();
  return s;
}

}  // namespace

Result<Connection> load_kubeconfig(const std::string& path) {
  REGCRED_TRY_ASSIGN(std::string text, io::read_identity_file(path, k_max_file));
  return parse_kubeconfig(text, path);
}

Result<Connection> parse_kubeconfig(const std::string& text, const std::string& path) {
  std::string where = "kubeconfig " + path;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return fail(Code::invalid_argument,
                where + ": not YAML (line " + std::to_string(e.mark.line + 1) + ")");
  }
  if (!root.IsMap()) return fail(Code::invalid_argument, where + ": not a kubeconfig");
  std::string base = io::split_path(path).first;
  try {
    std::string ctx_name = str(root, "current-context");
    if (ctx_name.empty()) return fail(Code::invalid_argument, where + ": no current-context");
    YAML::Node ctx = find_named(root["contexts"], ctx_name, "context");
    if (!ctx) {
      return fail(Code::invalid_argument, where + ": context \"" + ctx_name + "\" not found");
    }
    std::string cluster_name = str(ctx, "cluster");
    std::string user_name = str(ctx, "user");
    YAML::Node cluster = find_named(root["clusters"], cluster_name, "cluster");
    if (!cluster) {
      return fail(Code::invalid_argument, where + ": cluster \"" + cluster_name + "\" not found");
    }
    Connection c;
    c.origin = where + " (context " + ctx_name + ")";
    c.server = str(cluster, "server");
    while (!c.server.empty() && c.server.back() == '/')
      c.server.pop_back();
    if (c.server.empty()) return fail(Code::invalid_argument, where + ": cluster has no server");
    c.ca_file = resolve(base, str(cluster, "certificate-authority"));
    if (auto d = str(cluster, "certificate-authority-data"); !d.empty()) {
      REGCRED_TRY_ASSIGN(c.ca_data, decode_data(where + ": certificate-authority-data", d));
    }
    c.tls_server_name = str(cluster, "tls-server-name");
    c.insecure_skip_tls_verify = str(cluster, "insecure-skip-tls-verify") == "true";
    YAML::Node user = find_named(root["users"], user_name, "user");
    if (user_name.empty() || !user) return c;  // anonymous
    c.client_cert_file = resolve(base, str(user, "client-certificate"));
    c.client_key_file = resolve(base, str(user, "client-key"));
    if (auto d = str(user, "client-certificate-data"); !d.empty()) {
      REGCRED_TRY_ASSIGN(c.client_cert_data, decode_data(where + ": client-certificate-data", d));
    }
    if (auto d = str(user, "client-key-data"); !d.empty()) {
      REGCRED_TRY_ASSIGN(std::string key, decode_data(where + ": client-key-data", d));
      c.client_key_data = Secret(std::move(key));
    }
    c.token = Secret(str(user, "token"));
    c.token_file = resolve(base, str(user, "tokenFile"));
    if (YAML::Node ex = user["exec"]; ex && ex.IsMap()) {
      ExecConfig e;
      e.command = str(ex, "command");
      if (e.command.find('/') != std::string::npos) e.command = resolve(base, e.command);
      e.api_version = str(ex, "apiVersion");
      if (e.api_version != "client.authentication.k8s.io/v1" &&
          e.api_version != "client.authentication.k8s.io/v1beta1") {
        return fail(Code::invalid_argument,
                    where + ": exec apiVersion \"" + e.api_version + "\" is not supported");
      }
      if (YAML::Node a = ex["args"]; a && a.IsSequence()) {
        for (const auto& x : a)
          e.args.push_back(x.Scalar());
      }
      if (YAML::Node en = ex["env"]; en && en.IsSequence()) {
        for (const auto& x : en)
          e.env.emplace_back(str(x, "name"), str(x, "value"));
      }
      e.provide_cluster_info = str(ex, "provideClusterInfo") == "true";
      c.exec = std::move(e);
    }
    if (user["auth-provider"]) {
      return fail(Code::invalid_argument,
                  where + ": auth-provider plugins are not supported; use exec or a token");
    }
    return c;
  } catch (const YAML::Exception& e) {
    return fail(Code::invalid_argument,
                where + ": unexpected structure (line " + std::to_string(e.mark.line + 1) + ")");
  }
}

Result<Connection> load_in_cluster(const std::string& sa_dir) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (host == nullptr || port == nullptr || *host == '\0' || *port == '\0') {
    return fail(Code::invalid_argument,
                "in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set");
  }
  Connection c;
  c.origin = "in-cluster";
  std::string h = host;
  if (h.find(':') != std::string::npos) h = "[" + h + "]";  // IPv6
  c.server = "https://" + h + ":" + port;
  c.ca_file = sa_dir + "/ca.crt";
  c.token_file = sa_dir + "/token";
  if (::access(c.token_file.c_str(), R_OK) != 0) {
    return fail(Code::invalid_argument, "in-cluster: cannot read " + c.token_file);
  }
  return c;
}

Result<Presented> CredentialSource::current() {
  std::lock_guard lock(mu_);
  auto now = std::chrono::steady_clock::now();
  if (cached_) {
    bool fresh = true;
    if (conn_.exec) {
      fresh = !expires_ || std::chrono::system_clock::now() + std::chrono::seconds(10) < *expires_;
    } else if (!conn_.token_file.empty()) {
      fresh = now - cached_at_ < k_token_file_period;
    }
    if (fresh) return *cached_;
  }
  Presented p;
  if (conn_.exec) {
    REGCRED_TRY_ASSIGN(p, run_exec());
  } else {
    p.cert_pem = conn_.client_cert_data;
    p.key_pem = conn_.client_key_data;
    p.bearer = conn_.token;
    if (!conn_.token_file.empty()) {
      auto t = io::read_identity_file(conn_.token_file, k_max_file);
      if (t) {
        p.bearer = Secret(trim_newlines(std::move(*t)));
      } else if (cached_) {
        // "the last successfully read value takes precedence"
        io::log_warning("cannot re-read the token file; using the last token",
                        {{"file", conn_.token_file}, {"error", t.error().message}});
        p.bearer = cached_->bearer;
      } else if (conn_.token.empty()) {
        return fail(std::move(t).error());
      }
    }
  }
  cached_ = p;
  cached_at_ = now;
  return p;
}

void CredentialSource::invalidate() {
  std::lock_guard lock(mu_);
  if (conn_.exec || !conn_.token_file.empty()) cached_.reset();
}

Result<Presented> CredentialSource::run_exec() {
  const ExecConfig& e = *conn_.exec;
  std::string what = "exec credential plugin " + e.command;
  nlohmann::json info = {{"apiVersion", e.api_version},
                         {"kind", "ExecCredential"},
                         {"spec", {{"interactive", false}}}};
  if (e.provide_cluster_info) {
    info["spec"]["cluster"] = {{"server", conn_.server}};
    if (!conn_.tls_server_name.empty()) {
      info["spec"]["cluster"]["tls-server-name"] = conn_.tls_server_name;
    }
  }
  std::vector<std::string> envs;
  for (char** p = environ; *p != nullptr; ++p) {
    if (std::strncmp(*p, "KUBERNETES_EXEC_INFO=", 21) != 0) envs.emplace_back(*p);
  }
  for (const auto& [k, v] : e.env)
    envs.push_back(k + "=" + v);
  envs.push_back("KUBERNETES_EXEC_INFO=" + info.dump());
  std::vector<std::string> argv_s{e.command};
  argv_s.insert(argv_s.end(), e.args.begin(), e.args.end());
  std::vector<char*> argv;
  for (auto& s : argv_s)
    argv.push_back(s.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& s : envs)
    envp.push_back(s.data());
  envp.push_back(nullptr);

  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return fail(Code::io_error, what + ": pipe failed");
  pid_t pid = 0;
  const int rc =
      io::Spawn().dup2(out[1], 1).open_read(0, "/dev/null").start(pid, true, argv, envp.data());
  ::close(out[1]);
  if (rc != 0) {
    ::close(out[0]);
    return fail(Code::unavailable, what + ": " + std::strerror(rc));
  }
  std::string stdout_text;
  auto deadline = std::chrono::steady_clock::now() + k_exec_timeout;
  char buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      ::kill(pid, SIGKILL);
      break;
    }
    struct pollfd pfd {
      out[0], POLLIN, 0
    };
    if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) continue;
    ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    stdout_text.append(buf, static_cast<std::size_t>(n));
    if (stdout_text.size() > k_max_file) {
      ::kill(pid, SIGKILL);
      break;
    }
  }
  ::close(out[0]);
  // A plugin that closed its output (or had its time) and does not exit is killed after a few
  // seconds more: waiting for it would hold every request of this identity.
  int status = 0;
  const auto exit_by = std::min(deadline, std::chrono::steady_clock::now() + k_exec_exit_grace);
  while (::waitpid(pid, &status, WNOHANG) != pid) {
    if (std::chrono::steady_clock::now() >= exit_by) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return fail(Code::unavailable, what + ": exited with " +
                                       (WIFEXITED(status) ? std::to_string(WEXITSTATUS(status))
                                                          : std::string("a signal")));
  }
  nlohmann::json j = nlohmann::json::parse(stdout_text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return fail(Code::parse_error, what + ": the output is not JSON");
  }
  if (core::json_value(j, "apiVersion", "") != e.api_version ||
      core::json_value(j, "kind", "") != "ExecCredential") {
    return fail(Code::parse_error, what + ": expected an ExecCredential of " + e.api_version);
  }
  if (!j.contains("status") || !j["status"].is_object()) {
    return fail(Code::parse_error, what + ": no status in the ExecCredential");
  }
  const auto& st = j["status"];
  Presented p;
  if (st.contains("token") && st["token"].is_string())
    p.bearer = Secret(st["token"].get<std::string>());
  std::string cert = core::json_value(st, "clientCertificateData", "");
  std::string key = core::json_value(st, "clientKeyData", "");
  if (cert.empty() != key.empty()) {
    return fail(Code::parse_error,
                what + ": clientCertificateData and clientKeyData must come together");
  }
  p.cert_pem = cert;
  p.key_pem = Secret(std::move(key));
  if (p.bearer.empty() && p.cert_pem.empty()) {
    return fail(Code::parse_error, what + ": neither a token nor a client certificate");
  }
  expires_.reset();
  if (st.contains("expirationTimestamp") && st["expirationTimestamp"].is_string()) {
    expires_ = io::parse_rfc3339(st["expirationTimestamp"].get<std::string>());
  }
  io::log_debug("exec credential obtained", {{"command", e.command}});
  return p;
}

Result<Connection> load_connection(bool in_cluster, const std::string& kubeconfig) {
  if (in_cluster) {
    const char* dir = std::getenv("REGCRED_SERVICEACCOUNT_DIR");  // tests only
    return load_in_cluster(dir != nullptr ? dir : "/var/run/secrets/kubernetes.io/serviceaccount");
  }
  return load_kubeconfig(kubeconfig);
}

}  // namespace regcred::kube
