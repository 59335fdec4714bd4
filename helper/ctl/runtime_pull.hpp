// runtime_pull.hpp: doctor's pull through the node's container runtime (containerd, with ctr),
// the path a kubelet pull takes, with the credential the node resolves. The password reaches
// ctr through its terminal prompt (a pseudo-terminal), so it is in no argv and no environment.
#pragma once

#include <optional>
#include <string>

#include "common/core/secret.hpp"

namespace regcred::ctl {

struct RuntimePullArgs {
  std::string socket;     // containerd's gRPC socket
  std::string hosts_dir;  // containerd's registry host config (CA files), like CRI's config_path
  std::string namespace_ = "k8s.io";  // where kubelet's images live
  std::string image;                  // fully qualified, with a tag or digest
  std::optional<std::string> username;
  Secret password;
};

struct RuntimePullResult {
  bool ran = false;  // false: no runtime here (reason in message)
  bool ok = false;
  std::string message;  // the last line ctr printed, or why it did not run
};

RuntimePullResult runtime_pull(const RuntimePullArgs& a);

}  // namespace regcred::ctl
