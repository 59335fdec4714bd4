#include "daemon/worker/listen.hpp"

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

namespace regcred::worker {
namespace {

Result<void> sys_error(const std::string& what) {
  return fail(Code::io_error, what + ": " + std::strerror(errno));
}

}  // namespace

Result<void> listen_and_serve(const std::string& path, const std::function<void()>& ready,
                              const std::function<int()>& serve) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    return fail(Code::invalid_argument, "--listen " + path + ": not a path a socket can have");
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return fail(Code::invalid_argument, "--listen " + path + ": exists and is not a socket");
    }
    if (::unlink(path.c_str()) != 0) return sys_error("--listen " + path);
  }
  // Never closed: the process serves on it until it ends.
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return sys_error("socket");
  // The mode is the socket's from the moment it has a name: no window with another one. The
  // umask is the process's: fine here, before any thread (regcredd's status socket, bound among
  // threads, is given its mode in a private folder instead; daemon/api/server.cpp).
  const mode_t old = ::umask(0111);
  const int bound = ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  ::umask(old);
  if (bound != 0 || ::listen(fd, 16) != 0) {
    auto r = sys_error("--listen " + path);
    ::close(fd);
    return r;
  }
  ready();
  std::signal(SIGCHLD, SIG_IGN);  // the children are reaped by the kernel
  for (;;) {
    const int conn = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return sys_error("accept " + path);
    }
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
      std::signal(SIGCHLD, SIG_DFL);
      // dup2 leaves the copies without close-on-exec; the originals go.
      if (::dup2(conn, 0) < 0 || ::dup2(conn, 1) < 0) ::_exit(1);
      ::close(conn);
      ::close(fd);
      ::_exit(serve());
    }
    ::close(conn);  // a failed fork drops the connection: regcredd's test says so
  }
}

}  // namespace regcred::worker
