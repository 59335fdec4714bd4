// plan.hpp: what a pull test tries and how its request and outcome read, without the network:
// the credentials kubelet would try for an image, the node's platform, the outcome's JSON, and
// the line regcredd sends regcred-pull-worker. The probe itself is probe.hpp.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/core/answer.hpp"
#include "common/core/image_ref.hpp"
#include "common/core/result.hpp"
#include "common/core/secret.hpp"
#include "common/pull/registry_auth.hpp"

namespace regcred::pull {

// One credential to try, and where it came from (never the secret itself in a result).
struct Candidate {
  std::string username;
  Secret password;
  Secret identitytoken;  // OAuth2 refresh token: the token request becomes a POST
  std::string pattern;   // the kubelet key that matched
  std::string key;       // the key as the secret wrote it
  std::string from;      // "namespace/name", "local", or the docker config file
};

struct Options {
  std::vector<std::string> ca_files;  // added to the system CAs (read where the probe runs)
  std::string ca_pem;  // added to the system CAs: PEM text a caller read for the worker
  Platform platform;   // default: this node's
  std::chrono::milliseconds timeout{15000};
};

struct Outcome {
  std::string image;  // normalized reference as given ("docker.io/library/nginx:latest")
  bool ok = false;
  std::string cls;    // ok dns connect tls-untrusted tls-hostname tls-expired plain-http
                      // bad-credentials no-access forbidden not-found rate-limited
                      // wrong-platform server-error
  std::string phase;  // dns connect tls ping auth token manifest platform config done
  std::optional<long> http_status;
  std::string digest;  // the manifest digest the tag resolves to
  std::string message;
  std::vector<std::string> addresses;
  std::map<std::string, double> timings_ms;  // per phase
  std::optional<Candidate> credential;       // the one used (secret fields unused in output)
  std::string retry_after;
};

// The credentials kubelet would try for `repo` (a normalised repository, no tag), in its order,
// from a credential table: what a pull test tries.
std::vector<Candidate> candidates_for(const core::CredentialTable& table, const std::string& repo);

// This node's platform (uname): linux/amd64, linux/arm64/v8, linux/arm/v7...
Platform node_platform();

// The JSON the contract fixes for `pull-test -o json` (plus credential, message, addresses).
nlohmann::json to_json(const Outcome& r);

// One test for regcred-pull-worker, which runs regcredd's pull tests in a process of its own
// (regcredd does not link libcurl). A request is one line of JSON on the worker's stdin; its
// answer one line on stdout: {"id": N, "result": to_json(result)}.
struct Request {
  long id = 0;
  std::string image;
  std::vector<Candidate> candidates;  // secrets included: the pipe to the worker is their only way
  Options options;
};
std::string request_line(const Request& q);  // newline-terminated
Result<Request> parse_request(std::string_view line);

}  // namespace regcred::pull
