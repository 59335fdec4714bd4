#include "daemon/app/unconfigured.hpp"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <tuple>

#include "common/io/log.hpp"
#include "daemon/api/router.hpp"
#include "daemon/api/server.hpp"
#include "daemon/app/loop.hpp"
#include "daemon/app/systemd_status.hpp"

namespace regcred::daemon {
namespace {

constexpr auto k_config_poll = std::chrono::seconds(2);

// What tells a changed configuration file: gone, replaced, rewritten.
using FileStamp = std::tuple<bool, ino_t, off_t, std::int64_t, long>;
FileStamp stamp_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {false, 0, 0, 0, 0};
  return {true, st.st_ino, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec};
}

// Starts this program again with the same arguments and the socket systemd passed (the
// environment that sd_listen_fds() read and cleared, for this same process id).
void start_again(const std::vector<std::string>& args, int listen_fd) {
  char self[PATH_MAX] = {};
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) {
    io::log_error("cannot start again", {{"error", std::strerror(errno)}});
    return;
  }
  const int flags = ::fcntl(listen_fd, F_GETFD);
  if (flags < 0 || ::fcntl(listen_fd, F_SETFD, flags & ~FD_CLOEXEC) != 0) {
    io::log_error("cannot start again", {{"error", std::strerror(errno)}});
    return;
  }
  ::setenv("LISTEN_FDS", "1", 1);
  ::setenv("LISTEN_PID", std::to_string(::getpid()).c_str(), 1);
  std::vector<std::string> argv_text{self};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_text)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execv(self, argv.data());
  io::log_error("cannot start again", {{"error", std::strerror(errno)}});
}

}  // namespace

int run_unconfigured(const std::string& reason, const std::string& config_file,
                     const std::vector<std::string>& args, int listen_fd, Notifier& notifier) {
  namespace asio = boost::asio;
  asio::io_context io;
  AsioLoop loop(io);
  const std::string message =
      "regcredd is not configured: " + reason + " (edit " + config_file + ")";
  api::StatusServer server(
      io, [&](const api::Request&) { return api::error_response(503, message); }, std::nullopt);
  if (auto r = server.adopt(listen_fd); !r) {
    io::log_error("regcredd is not configured", {{"error", r.error().message}});
    return 2;
  }
  io::log_error("regcredd is not configured; answering 503 until the file changes",
                {{"reason", reason}, {"file", config_file}});
  SystemdStatus systemd(notifier, loop);
  systemd.status("not configured: " + reason + "; edit " + config_file);
  systemd.start_watchdog();

  bool again = false;
  asio::signal_set signals(io, SIGTERM, SIGINT, SIGHUP);
  signals.async_wait([&](boost::system::error_code ec, int sig) {
    if (ec) return;
    again = sig == SIGHUP;
    io.stop();
  });
  const FileStamp first = stamp_of(config_file);
  auto poll = loop.timer();
  std::function<void()> check = [&] {
    if (stamp_of(config_file) != first) {
      io::log_info("configuration file changed; starting again", {{"file", config_file}});
      again = true;
      io.stop();
      return;
    }
    poll->at(loop.now() + k_config_poll, check);
  };
  poll->at(loop.now() + k_config_poll, check);
  io.run();
  if (!again) {
    systemd.notify("STOPPING=1");
    return 0;
  }
  systemd.stop();
  start_again(args, listen_fd);
  return 1;
}

}  // namespace regcred::daemon
