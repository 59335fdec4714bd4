#include "common/io/unix_connect.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace regcred::io {

Result<int> connect_unix(const std::string& path) {
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) {
    return fail(Code::io_error, "connect " + path + ": the path is too long for a socket");
  }
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return fail(Code::io_error, "socket: " + std::string(std::strerror(errno)));
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    const int e = errno;
    ::close(fd);
    const bool absent = e == ENOENT || e == ECONNREFUSED;
    return fail(absent ? Code::unavailable : Code::io_error,
                "connect " + path + ": " + std::strerror(e));
  }
  return fd;
}

}  // namespace regcred::io
