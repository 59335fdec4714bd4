#include "helper/ctl/runtime_pull.hpp"

#include <poll.h>
#include <pty.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <vector>

namespace regcred::ctl {
namespace {

std::optional<std::string> find_on_path(const std::string& name) {
  const char* path = std::getenv("PATH");  // NOLINT(concurrency-mt-unsafe): one thread
  std::string p = path != nullptr ? path : "/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= p.size()) {
    auto end = p.find(':', start);
    std::string dir = p.substr(start, end == std::string::npos ? std::string::npos : end - start);
    std::string full = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(full.c_str(), X_OK) == 0) return full;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return std::nullopt;
}

std::string last_line(const std::string& out) {
  std::string s = out;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' '))
    s.pop_back();
  auto nl = s.find_last_of("\r\n");
  return nl == std::string::npos ? s : s.substr(nl + 1);
}

}  // namespace

RuntimePullResult runtime_pull(const RuntimePullArgs& a) {
  RuntimePullResult r;
  struct stat st {};
  if (::stat(a.socket.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) {
    r.message = "no container runtime socket at " + a.socket;
    return r;
  }
  auto ctr = find_on_path("ctr");
  if (!ctr) {
    r.message = "containerd's socket is there but ctr is not on PATH";
    return r;
  }
  std::vector<std::string> argv = {*ctr,         "--address", a.socket, "--namespace",
                                   a.namespace_, "images",    "pull"};
  if (!a.hosts_dir.empty()) {
    argv.emplace_back("--hosts-dir");
    argv.push_back(a.hosts_dir);
  }
  if (a.username) {
    argv.emplace_back("--user");
    argv.push_back(*a.username);  // no ":password": ctr asks for it on its terminal
  }
  argv.push_back(a.image);
  std::vector<char*> cargv;
  for (auto& s : argv)
    cargv.push_back(s.data());
  cargv.push_back(nullptr);

  int master = -1;
  pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  if (pid < 0) {
    r.message = "forkpty failed";
    return r;
  }
  if (pid == 0) {
    ::execv(cargv[0], cargv.data());
    ::_exit(127);
  }
  r.ran = true;
  std::string out;
  bool answered = !a.username;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  std::array<char, 4096> buf{};
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{master, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    ssize_t n = ::read(master, buf.data(), buf.size());
    if (n <= 0) break;  // EIO once ctr exits
    out.append(buf.data(), static_cast<std::size_t>(n));
    if (!answered && out.find("Password:") != std::string::npos) {
      std::string line = a.password.reveal() + "\n";
      const bool written =
          ::write(master, line.data(), line.size()) == static_cast<ssize_t>(line.size());
      std::fill(line.begin(), line.end(), '\0');
      answered = true;  // once: ctr does not ask twice
      if (!written) break;
    }
  }
  // The terminal closes as ctr exits; give it a moment to be reaped.
  int status = 0;
  pid_t done = 0;
  const auto reap_until = std::max(std::chrono::steady_clock::now() + std::chrono::seconds(5),
                                   std::min(deadline, std::chrono::steady_clock::now()));
  while ((done = ::waitpid(pid, &status, WNOHANG)) == 0 &&
         std::chrono::steady_clock::now() < reap_until) {
    ::usleep(10000);
  }
  if (done == 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    r.message = "ctr did not finish within 2 minutes";
    ::close(master);
    return r;
  }
  ::close(master);
  r.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  r.message = last_line(out);
  if (r.message.empty()) r.message = r.ok ? "pulled" : "ctr failed";
  return r;
}

}  // namespace regcred::ctl
