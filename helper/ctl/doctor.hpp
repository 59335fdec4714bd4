// doctor.hpp: regcredctl status and regcredctl doctor, the node-level checklist an operator
// walks by hand when a pod shows ImagePullBackOff, each step passed or failed with what to do.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace regcred::ctl {

// status: regcredd's /v1/status with its last pull tests. Exit 1 when regcredd does not answer.
int run_status(const std::string& socket, const std::string& format, std::ostream& out,
               std::ostream& err);

// reload: POST /v1/reload. Exit 1 when regcredd refuses (the new configuration is bad: the
// reason is printed) or does not answer.
int run_reload(const std::string& socket, std::ostream& out, std::ostream& err);

struct DoctorArgs {
  std::string image;
  std::optional<std::string> namespace_;
  std::optional<std::string> secret;
  std::vector<std::string> ca_files;
  std::string socket;
  std::string state_dir;
  std::string containerd_socket = "/run/containerd/containerd.sock";
  std::string containerd_hosts_dir = "/etc/containerd/certs.d";
};
// Exit 0 when every step passed, 1 when one failed, 2 for a bad image reference.
int run_doctor(const DoctorArgs& a, const std::string& format, std::ostream& out,
               std::ostream& err);

}  // namespace regcred::ctl
