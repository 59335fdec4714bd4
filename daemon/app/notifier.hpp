// notifier.hpp: the systemd notification protocol (READY=1, STATUS=, WATCHDOG=1, STOPPING=1).
// Does nothing when NOTIFY_SOCKET is unset. libsystemd stays inside notifier.cpp.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace regcred::daemon {

class Notifier {
 public:
  virtual ~Notifier() = default;
  virtual void notify(std::string_view state) = 0;
  // The watchdog interval systemd asked for (WATCHDOG_USEC for this process), if any.
  virtual std::optional<std::chrono::microseconds> watchdog() = 0;
};

class SdNotifier : public Notifier {
 public:
  void notify(std::string_view state) override;
  std::optional<std::chrono::microseconds> watchdog() override;
};

// Listening sockets passed by systemd (LISTEN_FDS); the first one, or -1. Reads them once:
// the environment that passed them is cleared.
int systemd_listen_fd();
// Whether systemd passed a listening socket, leaving the environment as it is.
bool systemd_socket_passed();

}  // namespace regcred::daemon
