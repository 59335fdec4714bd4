// config.hpp: regcred-publisher's flags (the contract's table) and their checks.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/core/result.hpp"
#include "common/io/log.hpp"

namespace regcred::publisher {

// The label a tenant sets on a pull secret it wants on nodes (the same opt-in as direct mode).
inline constexpr std::string_view k_source_label_selector = "regcred.io/sync=true";

struct Config {
  std::string kubeconfig;
  bool in_cluster = false;
  std::string publish_namespace = "regcred-system";
  std::string policy = "regcred-policy";
  std::string lease_name = "regcred-publisher";
  std::string identity;  // default: the host name
  std::chrono::seconds lease_duration{15};
  std::chrono::seconds renew_deadline{10};
  std::chrono::seconds retry_period{2};
  std::chrono::seconds policy_interval{5};
  std::string listen = "127.0.0.1:9464";  // status and metrics; "" for none
  bool check_config = false;
  io::Level log_level = io::Level::info;
};

struct Parsed {
  Config config;
  bool exit = false;  // --help, --version: print `output`, exit with `code`
  int code = 0;
  std::string output;
};

// What the audit log names this replica: "regcred-publisher/VERSION (IDENTITY)".
std::string user_agent(const Config& c);

// argv (without the program name). Errors are bad usage: exit 2.
Result<Parsed> parse_args(const std::vector<std::string>& args);

}  // namespace regcred::publisher
