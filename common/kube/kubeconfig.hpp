// kubeconfig.hpp: how the daemon reaches the API server and who it is there: a kubeconfig
// (current context; server, CA file or data, tls-server-name, insecure-skip-tls-verify; client
// certificate and key as files or data; token, tokenFile, exec plugins of
// client.authentication.k8s.io/v1 and v1beta1; relative paths against the kubeconfig's folder)
// or the pod's service account (in-cluster). Credentials that can change on disk are re-read
// (a token file every minute and after every 401; an exec credential when it expires or after a
// 401).
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/core/result.hpp"
#include "common/core/secret.hpp"

namespace regcred::kube {

struct ExecConfig {
  std::string command;
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  std::string api_version;
  bool provide_cluster_info = false;
};

struct Connection {
  std::string server;  // https://host:port, no trailing slash
  std::string ca_file;
  std::string ca_data;  // PEM
  std::string tls_server_name;
  bool insecure_skip_tls_verify = false;
  std::string client_cert_file;
  std::string client_key_file;
  std::string client_cert_data;  // PEM
  Secret client_key_data;        // PEM
  Secret token;
  std::string token_file;
  std::optional<ExecConfig> exec;
  std::string origin;  // "kubeconfig /path (context x)" or "in-cluster", for messages
};

Result<Connection> load_kubeconfig(const std::string& path);
// The text of a kubeconfig read from `path` (relative paths in it are against path's folder).
// Reads no file itself.
Result<Connection> parse_kubeconfig(const std::string& text, const std::string& path);

// KUBERNETES_SERVICE_HOST/PORT and the service account files under `sa_dir`
// (/var/run/secrets/kubernetes.io/serviceaccount).
Result<Connection> load_in_cluster(const std::string& sa_dir);

// What a program's --in-cluster or --kubeconfig FILE names: the pod's service account (its
// folder from REGCRED_SERVICEACCOUNT_DIR in tests), else the kubeconfig.
Result<Connection> load_connection(bool in_cluster, const std::string& kubeconfig);

// What a request presents right now. Thread-safe.
struct Presented {
  Secret bearer;         // empty: none
  std::string cert_pem;  // from an exec plugin; else the connection's
  Secret key_pem;
};

class CredentialSource {
 public:
  explicit CredentialSource(Connection c) : conn_(std::move(c)) {}
  const Connection& connection() const { return conn_; }
  // The token file is re-read when older than a minute; an exec credential when expired.
  Result<Presented> current();
  // After a 401: read the token file again, run the exec plugin again.
  void invalidate();

 private:
  Result<Presented> run_exec();

  Connection conn_;
  std::mutex mu_;
  std::optional<Presented> cached_;
  std::chrono::steady_clock::time_point cached_at_{};
  std::optional<std::chrono::system_clock::time_point> expires_;
};

}  // namespace regcred::kube
