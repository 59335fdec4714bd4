#include "daemon/app/pull_runner.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <csignal>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <utility>

#include "common/io/log.hpp"
#include "common/io/spawn.hpp"
#include "common/io/unix_connect.hpp"

extern char** environ;

namespace regcred::daemon {
namespace asio = boost::asio;

namespace {

// How a worker ended, for the tests it left unanswered.
std::string exit_text(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const char* name = sigabbrev_np(WTERMSIG(status));
    return std::string("was killed by SIG") + (name != nullptr ? name : "?");
  }
  return "ended";
}

nlohmann::json not_run(const std::string& image, const std::string& why) {
  pull::Outcome r;
  r.image = image;
  r.cls = "connect";  // the contract's classes have none for "no test ran"; as when libcurl
  r.phase = "dns";    // cannot start, the first phase, with the reason in the message
  r.message = "the pull test did not run: " + why;
  return pull::to_json(r);
}

}  // namespace

struct PullRunner::Impl {
  // One worker (a child process, or a connection to a worker systemd started) and the tests it
  // owes an answer.
  struct Worker {
    explicit Worker(asio::io_context& io) : to(io), from(io) {}
    pid_t pid = -1;                       // a child's; -1 for a connection
    bool gone = false;                    // stop() ended it
    asio::posix::stream_descriptor to;    // its stdin
    asio::posix::stream_descriptor from;  // its stdout
    std::deque<std::string> queue;        // request lines not yet written
    bool writing = false;
    bool closing = false;  // end the stream once the queue is written
    std::string in;
    std::map<long, std::pair<std::string, std::function<void(nlohmann::json)>>> pending;
  };
  using Test = std::pair<pull::Request, std::function<void(nlohmann::json)>>;

  Impl(asio::io_context& i, Where w, std::size_t c) : io(i), where(std::move(w)), concurrency(c) {}

  asio::io_context& io;
  Where where;
  std::size_t concurrency;
  std::deque<Test> backlog;                    // tests not yet sent
  std::shared_ptr<Worker> current;             // takes new tests
  std::vector<std::shared_ptr<Worker>> alive;  // every worker not yet ended

  std::string name() const { return where.socket.empty() ? where.program : where.socket; }

  // The two ends of a new child's stdio: regcredd writes `to` and reads `from`.
  bool spawn(int& to, int& from, pid_t& pid, std::string& why) {
    std::array<int, 2> in{-1, -1};
    std::array<int, 2> out{-1, -1};
    if (::pipe2(in.data(), O_CLOEXEC) != 0 || ::pipe2(out.data(), O_CLOEXEC) != 0) {
      why = std::string("pipe: ") + std::strerror(errno);
      for (int fd : {in[0], in[1], out[0], out[1]})
        if (fd >= 0) ::close(fd);
      return false;
    }
    const std::string n = std::to_string(concurrency);
    const std::vector<char*> argv{const_cast<char*>(where.program.c_str()),
                                  const_cast<char*>("--concurrency"), const_cast<char*>(n.c_str()),
                                  nullptr};
    const int rc = io::Spawn().dup2(in[0], 0).dup2(out[1], 1).start(pid, false, argv, environ);
    ::close(in[0]);
    ::close(out[1]);
    if (rc != 0) {
      ::close(in[1]);
      ::close(out[0]);
      why = "start " + where.program + ": " + std::strerror(rc);
      return false;
    }
    to = in[1];
    from = out[0];
    return true;
  }

  // A connection to the worker's socket (never blocking: a worker that does not accept fails
  // the test, it does not stop the loop): one descriptor for each direction.
  bool connect(int& to, int& from, std::string& why) {
    auto fd = io::connect_unix(where.socket);
    if (!fd) {
      why = fd.error().message;
      return false;
    }
    from = ::fcntl(*fd, F_DUPFD_CLOEXEC, 0);
    if (from < 0) {
      why = "connect " + where.socket + ": " + std::strerror(errno);
      ::close(*fd);
      return false;
    }
    to = *fd;
    return true;
  }

  std::shared_ptr<Worker> start(std::string& why) {
    // A worker that goes makes its stdin a broken pipe: a write must fail, not kill regcredd.
    static const bool sigpipe_ignored = [] {
      std::signal(SIGPIPE, SIG_IGN);
      return true;
    }();
    (void)sigpipe_ignored;
    int to = -1;
    int from = -1;
    pid_t pid = -1;
    if (!(where.socket.empty() ? spawn(to, from, pid, why) : connect(to, from, why)))
      return nullptr;
    auto w = std::make_shared<Worker>(io);
    w->pid = pid;
    w->to.assign(to);
    w->from.assign(from);
    alive.push_back(w);
    read(w);
    return w;
  }

  // Ends regcredd's side of the stream: the worker reads to the end, answers, and exits.
  static void end_input(const std::shared_ptr<Worker>& w) {
    if (!w->to.is_open()) return;
    ::shutdown(w->to.native_handle(), SHUT_WR);  // a connection's other descriptor stays open
    boost::system::error_code ignored;
    w->to.close(ignored);
  }

  void write(const std::shared_ptr<Worker>& w) {
    if (w->writing) return;
    if (w->queue.empty()) {
      if (w->closing) end_input(w);
      return;
    }
    w->writing = true;
    asio::async_write(w->to, asio::buffer(w->queue.front()),
                      [this, w](boost::system::error_code ec, std::size_t) {
                        // The line held credentials.
                        std::fill(w->queue.front().begin(), w->queue.front().end(), '\0');
                        w->queue.pop_front();
                        w->writing = false;
                        if (ec) {
                          w->queue.clear();  // the worker is gone: its stdout says how
                          return;
                        }
                        write(w);
                      });
  }

  void read(const std::shared_ptr<Worker>& w) {
    asio::async_read_until(w->from, asio::dynamic_buffer(w->in), '\n',
                           [this, w](boost::system::error_code ec, std::size_t n) {
                             if (ec) return ended(w);
                             const std::string line = w->in.substr(0, n - 1);
                             w->in.erase(0, n);
                             answered(w, line);
                             read(w);
                           });
  }

  void answered(const std::shared_ptr<Worker>& w, const std::string& line) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.contains("id") || !j["id"].is_number_integer()) {
      io::log_warning("pull worker: an answer that is not one", {{"line", line.substr(0, 200)}});
      return;
    }
    auto it = w->pending.find(j["id"].get<long>());
    if (it == w->pending.end()) return;
    auto [image, done] = std::move(it->second);
    w->pending.erase(it);
    if (j.contains("result") && j["result"].is_object()) {
      done(std::move(j["result"]));
    } else {
      done(not_run(image, "regcred-pull-worker: " + j.value("error", std::string("no result"))));
    }
    if (w != current) return;
    pump();
    if (current && current->pending.empty()) retire();
  }

  // No test left for the current worker: it exits once it has read its stdin to the end.
  void retire() {
    current->closing = true;
    write(current);
    current.reset();
  }

  // How a worker ended, for the tests it left unanswered.
  std::string how_ended(const std::shared_ptr<Worker>& w) {
    if (w->pid < 0) return "closed its connection";
    int status = 0;
    ::waitpid(w->pid, &status, 0);  // it closed its stdout: it is exiting
    return exit_text(status);
  }

  void ended(const std::shared_ptr<Worker>& w) {
    if (w->gone) return;  // stop() ended it
    w->gone = true;
    const std::string how = how_ended(w);
    std::erase(alive, w);
    if (w == current) current.reset();
    auto pending = std::move(w->pending);
    if (!pending.empty()) {
      io::log_warning("pull worker ended with tests unanswered",
                      {{"worker", name()}, {"why", how}});
    }
    for (auto& [id, p] : pending)
      p.second(not_run(p.first, "regcred-pull-worker " + how));
    pump();
  }

  // Sends waiting tests while fewer than `concurrency` are out.
  void pump() {
    while (!backlog.empty() && (!current || current->pending.size() < concurrency)) {
      if (!current) {
        std::string why;
        current = start(why);
        if (!current) {
          io::log_error("cannot start the pull worker", {{"error", why}});
          for (auto& [q, done] : std::exchange(backlog, {}))
            done(not_run(q.image, why));
          return;
        }
      }
      auto [q, done] = std::move(backlog.front());
      backlog.pop_front();
      current->pending[q.id] = {q.image, std::move(done)};
      current->queue.push_back(pull::request_line(q));
      write(current);
    }
  }

  void run(const pull::Request& q, std::function<void(nlohmann::json)> done) {
    backlog.emplace_back(q, std::move(done));
    pump();
  }

  void stop() {
    backlog.clear();
    for (auto& w : alive) {
      w->gone = true;
      if (w->pid >= 0) {
        ::kill(w->pid, SIGKILL);
        int status = 0;
        ::waitpid(w->pid, &status, 0);
      }
      w->pending.clear();
      boost::system::error_code ignored;
      w->to.close(ignored);
      w->from.close(ignored);
    }
    alive.clear();
    current.reset();
  }
};

PullRunner::PullRunner(asio::io_context& io, Where where, std::size_t concurrency)
    : impl_(std::make_unique<Impl>(io, std::move(where), concurrency)) {}
PullRunner::~PullRunner() {
  impl_->stop();
}

void PullRunner::run(const pull::Request& request, std::function<void(nlohmann::json)> done) {
  impl_->run(request, std::move(done));
}

void PullRunner::reconfigure(Where where, std::size_t concurrency) {
  impl_->where = std::move(where);
  impl_->concurrency = concurrency;
  impl_->pump();
}

void PullRunner::stop() {
  impl_->stop();
}

std::string PullRunner::default_program() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "/usr/libexec/regcred/regcred-pull-worker";
  const auto dir = self.parent_path();
  // A build tree has it beside regcredd; an installation in PREFIX/libexec/regcred.
  for (const auto& p :
       {dir / "regcred-pull-worker", dir.parent_path() / "libexec/regcred/regcred-pull-worker"}) {
    if (::access(p.c_str(), X_OK) == 0) return p.string();
  }
  return (dir.parent_path() / "libexec/regcred/regcred-pull-worker").string();
}

}  // namespace regcred::daemon
