#include "daemon/api/server.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <chrono>
#include <map>
#include <vector>

#include "common/io/log.hpp"
#include "daemon/api/wire.hpp"

namespace regcred::api {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using local = asio::local::stream_protocol;
using Stream = beast::basic_stream<local, asio::any_io_executor, beast::unlimited_rate_policy>;

namespace {

// At most 64 connections; of them, the last 16 only for root and the socket's group, and at
// most 8 for any one user but root: a local user holding connections cannot cut kubelet's
// provider or the group's helpers off.
constexpr std::size_t k_max_connections = 64;
constexpr std::size_t k_reserved = 16;
constexpr std::size_t k_max_per_uid = 8;
constexpr auto k_read_timeout = std::chrono::seconds(10);

// The peer's supplementary groups, from the kernel (SO_PEERGROUPS, Linux 4.13), as they were
// when it connected: no /proc reading, so it works under ProtectProc=invisible.
bool peer_in_group(int fd, gid_t gid) {
  std::vector<gid_t> groups(64);
  for (int attempt = 0; attempt < 2; ++attempt) {
    socklen_t len = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &len) == 0) {
      groups.resize(len / sizeof(gid_t));
      return std::find(groups.begin(), groups.end(), gid) != groups.end();
    }
    if (errno != ERANGE) return false;
    groups.resize(len / sizeof(gid_t) + 1);
  }
  return false;
}

}  // namespace

struct StatusServer::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io, Handler h, std::optional<gid_t> g)
      : acceptor(io), handler(std::move(h)), group(g) {}
  local::acceptor acceptor;
  Handler handler;
  std::optional<gid_t> group;
  std::size_t active = 0;
  std::map<uid_t, std::size_t> per_uid;  // open connections of each user but root
  bool stopped = false;
  std::string bound_path;  // unlinked on stop; empty for a socket from systemd

  struct Peer {
    bool privileged = false;  // root or the group
    bool root = false;
    uid_t uid = static_cast<uid_t>(-1);  // unknown: counted as one unprivileged user
  };
  Peer peer_of(local::socket& s) const {
    struct ucred cred {};
    socklen_t len = sizeof cred;
    if (::getsockopt(s.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return {};
    if (cred.uid == 0) return {true, true, cred.uid};
    if (!group) return {false, false, cred.uid};
    return {cred.gid == *group || peer_in_group(s.native_handle(), *group), false, cred.uid};
  }

  // Whether another connection of `peer` fits the limits above.
  bool admits(const Peer& peer) const {
    if (active >= k_max_connections) return false;
    if (peer.root) return true;
    if (!peer.privileged && active >= k_max_connections - k_reserved) return false;
    auto it = per_uid.find(peer.uid);
    return it == per_uid.end() || it->second < k_max_per_uid;
  }

  asio::awaitable<void> session(local::socket sock, Peer peer) {
    auto self = shared_from_this();
    Stream stream(std::move(sock));
    beast::flat_buffer buf;
    for (;;) {
      wire::Parser parser;
      wire::limit(parser);
      stream.expires_after(k_read_timeout);
      auto [ec, n] =
          co_await http::async_read(stream, buf, parser, asio::as_tuple(asio::use_awaitable));
      if (wire::too_large(ec)) {
        auto res = wire::too_large_response();
        stream.expires_after(k_read_timeout);
        co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
        break;
      }
      if (ec) break;
      auto res = wire::answer(parser.release(), peer.privileged, peer.root, handler);
      stream.expires_after(k_read_timeout);
      auto [wec, wn] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
      if (wec || !res.keep_alive()) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(local::socket::shutdown_send, ignored);
    --active;
    if (!peer.root) {
      auto it = per_uid.find(peer.uid);
      if (it != per_uid.end() && --it->second == 0) per_uid.erase(it);
    }
  }

  asio::awaitable<void> accept_loop() {
    auto self = shared_from_this();
    while (!stopped) {
      auto [ec, sock] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (ec == asio::error::operation_aborted || stopped) break;
        io::log_warning("status socket: accept failed", {{"error", ec.message()}});
        continue;
      }
      const Peer peer = peer_of(sock);
      if (!admits(peer)) {
        beast::error_code ignored;
        sock.close(ignored);
        continue;
      }
      ++active;
      if (!peer.root) ++per_uid[peer.uid];
      asio::co_spawn(acceptor.get_executor(), session(std::move(sock), peer), asio::detached);
    }
  }
};

StatusServer::StatusServer(asio::io_context& io, Handler handler, std::optional<gid_t> group)
    : impl_(std::make_shared<Impl>(io, std::move(handler), group)) {}

StatusServer::~StatusServer() {
  stop();
}

Result<void> StatusServer::listen(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0 && !S_ISSOCK(st.st_mode)) {
    return fail(Code::invalid_argument, "listen " + path + ": exists and is not a socket");
  }
  const auto slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return fail(Code::io_error, "listen " + path + ": create folder: " + std::strerror(errno));
  }
  // Bound in a folder of its own (0700), given its mode there, then renamed over the path (a
  // stale socket included): the path never names the socket with another mode, whatever the
  // umask, and nothing can swap the file between the bind and the chmod.
  std::string staging = dir + "/.regcredd.XXXXXX";
  if (::mkdtemp(staging.data()) == nullptr) {
    return fail(Code::io_error, "listen " + path + ": staging folder: " + std::strerror(errno));
  }
  const std::string staged = staging + "/s";
  auto cleanup = [&] {
    ::unlink(staged.c_str());
    ::rmdir(staging.c_str());
  };
  if (staged.size() >= sizeof(sockaddr_un::sun_path)) {
    cleanup();
    return fail(Code::invalid_argument, "listen " + path + ": its folder's path is too long");
  }
  beast::error_code ec;
  impl_->acceptor.open(local{}, ec);
  if (!ec) impl_->acceptor.bind(local::endpoint(staged), ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    cleanup();
    return fail(Code::io_error, "listen " + path + ": " + ec.message());
  }
  if (::chmod(staged.c_str(), 0666) != 0 || ::rename(staged.c_str(), path.c_str()) != 0) {
    const int e = errno;
    cleanup();
    return fail(Code::io_error, "listen " + path + ": " + std::strerror(e));
  }
  ::rmdir(staging.c_str());
  impl_->bound_path = path;
  asio::co_spawn(impl_->acceptor.get_executor(), impl_->accept_loop(), asio::detached);
  return ok();
}

Result<void> StatusServer::adopt(int fd) {
  beast::error_code ec;
  impl_->acceptor.assign(local{}, fd, ec);
  if (ec) return fail(Code::io_error, "adopt the systemd socket: " + ec.message());
  asio::co_spawn(impl_->acceptor.get_executor(), impl_->accept_loop(), asio::detached);
  return ok();
}

void StatusServer::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  beast::error_code ec;
  impl_->acceptor.close(ec);
  if (!impl_->bound_path.empty()) ::unlink(impl_->bound_path.c_str());
}

std::size_t StatusServer::connections() const {
  return impl_->active;
}

}  // namespace regcred::api
