#include "publisher/config/config.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>

#include <CLI/CLI.hpp>

#include "common/core/policy.hpp"

namespace regcred::publisher {
namespace {

std::string host_name() {
  std::array<char, 256> buf{};
  if (gethostname(buf.data(), buf.size() - 1) != 0) return "";
  return buf.data();
}

}  // namespace

std::string user_agent(const Config& c) {
  return std::string("regcred-publisher/") + REGCRED_VERSION + " (" + c.identity + ")";
}

Result<Parsed> parse_args(const std::vector<std::string>& args) {
  Parsed out;
  Config& c = out.config;
  CLI::App app{
      "regcred-publisher: publishes the pull secrets an admin's policy allows, for "
      "regcredd on every node"};
  app.set_version_flag("--version", std::string("regcred-publisher ") + REGCRED_VERSION);
  app.add_option("--kubeconfig", c.kubeconfig, "the kubeconfig to reach the API server with");
  app.add_flag("--in-cluster", c.in_cluster, "use the pod's service account");
  app.add_option("--publish-namespace", c.publish_namespace,
                 "where to publish; the policy and the lease live there too")
      ->capture_default_str();
  app.add_option("--policy", c.policy, "the ConfigMap holding policy.yaml")->capture_default_str();
  app.add_option("--lease-name", c.lease_name, "the coordination.k8s.io/v1 Lease")
      ->capture_default_str();
  app.add_option("--identity", c.identity, "this replica's holder identity (default: host name)");
  long lease = 15, renew = 10, retry = 2, policy_every = 5;
  app.add_option("--lease-duration", lease, "seconds a standby waits before taking the lease")
      ->capture_default_str();
  app.add_option("--renew-deadline", renew, "seconds the leader may fail to renew before it stops")
      ->capture_default_str();
  app.add_option("--retry-period", retry, "seconds between tries")->capture_default_str();
  app.add_option("--policy-interval", policy_every, "seconds between reads of the policy")
      ->capture_default_str();
  app.add_option("--listen", c.listen,
                 "ADDRESS:PORT for /healthz, /metrics, /v1/status (\"\": none)")
      ->capture_default_str();
  app.add_flag("--check-config", c.check_config, "validate the configuration and exit");
  std::string level = "info";
  app.add_option("--log-level", level, "debug, info, warning or error")->capture_default_str();

  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    out.exit = true;
    out.output = app.help();
    return out;
  } catch (const CLI::CallForVersion&) {
    out.exit = true;
    out.output = std::string("regcred-publisher ") + REGCRED_VERSION + "\n";
    return out;
  } catch (const CLI::ParseError& e) {
    return fail(Code::invalid_argument, e.what());
  }
  const auto lvl = io::parse_level(level);
  if (!lvl) return fail(Code::invalid_argument, "--log-level: " + level + ": not a level");
  c.log_level = *lvl;
  if (c.in_cluster == !c.kubeconfig.empty())
    return fail(Code::invalid_argument, "give exactly one of --kubeconfig and --in-cluster");
  for (const auto& [flag, v] : {std::pair{"--publish-namespace", c.publish_namespace}}) {
    if (!core::namespace_name(v))
      return fail(Code::invalid_argument, std::string(flag) + ": " + v + ": not a namespace name");
  }
  if (c.policy.empty() || c.lease_name.empty())
    return fail(Code::invalid_argument, "--policy and --lease-name must not be empty");
  if (c.identity.empty()) c.identity = host_name();
  if (c.identity.empty())
    return fail(Code::invalid_argument, "--identity: no host name to default to");
  if (retry <= 0 || renew <= retry || lease <= renew || policy_every <= 0)
    return fail(Code::invalid_argument,
                "need 0 < --retry-period < --renew-deadline < --lease-duration and "
                "--policy-interval > 0 (the leader must stop before its lease can be taken)");
  c.lease_duration = std::chrono::seconds(lease);
  c.renew_deadline = std::chrono::seconds(renew);
  c.retry_period = std::chrono::seconds(retry);
  c.policy_interval = std::chrono::seconds(policy_every);
  return out;
}

}  // namespace regcred::publisher
