// pull_cmd.hpp: regcredctl pull-test (and the pieces doctor reuses): one registry-protocol pull
// check now, by regcredd (credentials from its store), or here with --docker-config or, when
// regcredd is down, from its state folder.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace regcred::ctl {

struct PullTestArgs {
  std::string image;
  std::optional<std::string> docker_config;
  std::optional<std::string> namespace_;  // the pod's: its pull secrets first (as kubelet)
  std::vector<std::string> ca_files;
  std::string socket;
  std::string state_dir;
};

// The result JSON (the contract's shape) and where it was run ("regcredd", "here").
struct PullTestRun {
  nlohmann::json result;
  std::string ran_by;
};
PullTestRun pull_test(const PullTestArgs& a);

// Exit 0 when the pull test passed, 1 when it failed, 2 for a bad image reference.
int run_pull_test(const PullTestArgs& a, const std::string& format, std::ostream& out,
                  std::ostream& err);

}  // namespace regcred::ctl
