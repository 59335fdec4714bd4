#include "daemon/app/notifier.hpp"

#include <string>

#include <systemd/sd-daemon.h>

namespace regcred::daemon {

void SdNotifier::notify(std::string_view state) {
  std::string s(state);
  (void)sd_notify(0, s.c_str());
}

std::optional<std::chrono::microseconds> SdNotifier::watchdog() {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    return std::chrono::microseconds(static_cast<std::int64_t>(usec));
  }
  return std::nullopt;
}

int systemd_listen_fd() {
  int n = sd_listen_fds(1);
  return n > 0 ? SD_LISTEN_FDS_START : -1;
}

bool systemd_socket_passed() {
  return sd_listen_fds(0) > 0;
}

}  // namespace regcred::daemon
