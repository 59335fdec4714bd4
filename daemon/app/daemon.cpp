#include "daemon/app/daemon.hpp"

#include <grp.h>
#include <malloc.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>

#include "common/io/log.hpp"
#include "daemon/api/server.hpp"
#include "daemon/app/file_sync.hpp"
#include "daemon/app/flush_schedule.hpp"
#include "daemon/app/loop.hpp"
#include "daemon/app/pull_tests.hpp"
#include "daemon/app/source_feed.hpp"
#include "daemon/app/state_saver.hpp"
#include "daemon/app/systemd_status.hpp"
#include "daemon/handlers/credentials.hpp"
#include "daemon/handlers/endpoints.hpp"
#include "daemon/handlers/status.hpp"
#include "daemon/kube/connection.hpp"
#include "daemon/kube/issuer_fetcher.hpp"
#include "daemon/report/node_reporter.hpp"
#include "daemon/sync/state.hpp"
#include "daemon/sync/state_writer.hpp"
#include "daemon/sync/store.hpp"

namespace regcred::daemon {
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

PullTestConfig pull_test_config(const Config& c) {
  return {c.pull_tests, c.pull_test_interval, c.pull_test_concurrency, c.pull_test_ca_files,
          c.pull_worker_socket};
}

// The wiring and the lifecycle: the source feed fills the store; the flush schedule writes the
// files and the state saver the state folder; the endpoints answer over the daemon's view.
class Daemon {
 public:
  Daemon(Config cfg, std::vector<std::string> args, Notifier& notifier)
      : cfg_(std::move(cfg)),
        args_(std::move(args)),
        loop_(io_),
        systemd_(notifier, loop_),
        signals_(io_, SIGTERM, SIGINT, SIGHUP),
        ready_timer_(io_),
        feed_(io_, loop_, store_, progress_,
              {.changed =
                   [this](bool whole) {
                     trim_after_flush_ = trim_after_flush_ || whole;
                     flush_.request();
                   },
               .synced = [this] { synced(); }}),
        files_(cfg_.state_dir),
        flush_(loop_, [this] { flush(); }, {}),
        saver_(loop_, store_, {.namespaces = cfg_.namespace_credentials, .whole = cfg_.once},
               [this](sync::StateSnapshot snap) { submit_state(std::move(snap)); }),
        pull_tests_(io_, loop_, store_, pull_test_config(cfg_), [this] { update_condition(); }),
        credentials_(cfg_, store_,
                     [this](const core::DockerConfig& local) {
                       store_.set_local(local);
                       flush_.request();
                     }),
        endpoints_([this] { return view(); }, pull_tests_, credentials_,
                   [this] { return reload_request(); }) {}
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  int run() {
    // One malloc arena for every thread: glibc trims the arenas of other threads only from
    // their top, so the peaks of the watch threads' list parsing and the state writer's
    // rendering would stay resident; those threads take turns on the loop's data anyway.
    ::mallopt(M_ARENA_MAX, 1);
    io::Log::set_level(cfg_.log_level);
    if (auto r = sync::prepare_state_dir(cfg_.state_dir); !r) {
      io::log_error("cannot use the state folder", {{"error", r.error().message}});
      return 1;
    }
    if (auto r = files_.load(); !r) {
      io::log_error("cannot read the sink record", {{"error", r.error().message}});
      return 1;
    }
    state_writer_.emplace(cfg_.state_dir, [this](std::string error) {
      loop_.post([this, error = std::move(error)] { state_saved(error); });
    });
    store_.set_local_node_wide(cfg_.local_credentials_node_wide);
    restore_served(cfg_.state_dir, store_);
    files_.set_files(cfg_.docker_configs, cfg_.kubelet_config);
    if (!cfg_.once) {
      if (auto r = start_server(); !r) {
        io::log_error("cannot serve the status socket", {{"error", r.error().message}});
        return 1;
      }
    }
    if (auto r = feed_.configure(cfg_); !r) {
      io::log_error("cannot start a source", {{"error", r.error().message}});
      return 2;
    }
    start_issuer();
    if (cfg_.node_conditions && !cfg_.once) {
      auto conn = kube::connection_for(cfg_);
      if (!conn) {
        io::log_error("cannot report node conditions", {{"error", conn.error().message}});
        return 2;
      }
      node_reporter_ = std::make_unique<kube::NodeReporter>(std::move(*conn), cfg_.node_name);
      update_condition();
    }
    handle_signals();
    systemd_.start_watchdog();
    arm_ready_deadline();
    feed_.start();
    io::log_info("regcredd started", {{"version", REGCRED_VERSION},
                                      {"node", cfg_.node_name},
                                      {"sources", std::to_string(feed_.sources().size())},
                                      {"sinks", std::to_string(files_.sinks().size())}});
    io_.run();
    return exit_code_;
  }

 private:
  DaemonView view() { return {cfg_, store_, feed_.sources(), files_, pull_tests_, progress_}; }

  // POST /v1/reload: a configuration that validates is applied after the answer is sent, as
  // SIGHUP applies it.
  api::Response reload_request() {
    auto parsed = load_config(args_);
    Result<void> valid = parsed ? validate(parsed->config) : fail(parsed.error());
    if (!valid) return api::error_response(400, "reload refused: " + valid.error().message);
    loop_.post([this] { reload_now(); });
    return api::json_response(200, {{"status", "reloading"}});
  }

  // Every source delivered a full state: the files may be written now.
  void synced() {
    ready_timer_.cancel();  // its deadline is moot now; no wake-up for nothing
    flush_.enable();
    flush_.request();
    if (!cfg_.once) pull_tests_.schedule(1s);
  }

  void update_condition() {
    if (node_reporter_) node_reporter_->report(node_condition(view()));
  }

  // READY=1 at the latest after --ready-timeout, with a STATUS that says what is missing (the
  // files are not written until every source delivered a full state); --once gives up instead.
  void arm_ready_deadline() {
    ready_timer_.expires_after(cfg_.ready_timeout);
    ready_timer_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      if (cfg_.once) {
        io::log_error("--once: not every source delivered a full state in time",
                      {{"waiting", progress_.waiting_list()}});
        exit_code_ = 1;
        shutdown();
        return;
      }
      if (!systemd_.ready_sent()) {
        systemd_.status("waiting for the first sync of " + progress_.waiting_list() +
                        "; files are not written until then");
        io::log_warning("reporting ready before the first full sync",
                        {{"waiting", progress_.waiting_list()}});
      }
    });
  }

  Result<void> start_server() {
    std::optional<gid_t> gid;
    if (!cfg_.socket_group.empty()) {
      struct group* g = ::getgrnam(cfg_.socket_group.c_str());
      if (g == nullptr) {
        return fail(Code::invalid_argument,
                    "--socket-group " + cfg_.socket_group + ": no such group");
      }
      gid = g->gr_gid;
    }
    server_ = std::make_unique<api::StatusServer>(
        io_, [this](const api::Request& r) { return api::route(r, endpoints_); }, gid);
    if (int fd = systemd_listen_fd(); fd >= 0) {
      io::log_info("status socket from systemd", {{"fd", std::to_string(fd)}});
      return server_->adopt(fd);
    }
    REGCRED_TRY(server_->listen(cfg_.socket));
    io::log_info("status socket listening", {{"socket", cfg_.socket}});
    return ok();
  }

  void handle_signals() {
    signals_.async_wait([this](boost::system::error_code ec, int sig) {
      if (ec) return;
      if (sig == SIGHUP) {
        reload_now();
        handle_signals();
        return;
      }
      io::log_info("stopping", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
      shutdown();
    });
  }

  // Where namespace-scoped answers get the issuer's keys: the JWKS file, or the API server.
  void start_issuer() {
    issuer_fetcher_.reset();
    if (!cfg_.namespace_credentials || cfg_.once) return;
    if (!cfg_.service_account_issuer_keys.empty()) {
      auto s =
          kube::read_issuer_keys(cfg_.service_account_issuer_keys, cfg_.service_account_issuer);
      if (!s.error.empty()) {
        io::log_error("cannot read the service-account issuer keys", {{"error", s.error}});
      }
      credentials_.set_issuer(std::move(s));
      return;
    }
    auto conn = kube::connection_for(cfg_);
    if (!conn) {
      io::log_error("cannot fetch the service-account issuer keys",
                    {{"error", conn.error().message}});
      return;
    }
    issuer_fetcher_ =
        std::make_unique<kube::IssuerFetcher>(std::move(*conn), [this](kube::IssuerState s) {
          loop_.post([this, s = std::move(s)]() mutable { credentials_.set_issuer(std::move(s)); });
        });
    credentials_.on_unknown_key([this] {
      if (issuer_fetcher_) issuer_fetcher_->refresh();
    });
  }

  void reload_now() {
    auto parsed = load_config(args_);
    Result<void> valid = parsed ? validate(parsed->config) : fail(parsed.error());
    if (!valid) {
      io::log_error("reload refused; keeping the running configuration",
                    {{"error", valid.error().message}});
      return;
    }
    systemd_.notify("RELOADING=1");
    Config next = parsed->config;
    next.once = cfg_.once;
    cfg_ = std::move(next);
    io::Log::set_level(cfg_.log_level);
    files_.set_files(cfg_.docker_configs, cfg_.kubelet_config);
    store_.set_local_node_wide(cfg_.local_credentials_node_wide);
    pull_tests_.set_config(pull_test_config(cfg_));
    saver_.set_namespaces(cfg_.namespace_credentials);
    if (auto r = feed_.configure(cfg_); !r) {
      io::log_error("reload: cannot start a source", {{"error", r.error().message}});
    }
    start_issuer();
    feed_.start();
    io::log_info("configuration reloaded");
    systemd_.notify("READY=1");
    flush_.request();
  }

  // A copy of the store for the state folder: to the writer thread, or with --once written here
  // (the exit code says whether it was saved).
  void submit_state(sync::StateSnapshot snap) {
    if (cfg_.once) {
      auto r = io::state_folder::save(cfg_.state_dir, snap);
      state_saved(r ? std::string() : r.error().message);
      return;
    }
    state_writer_->submit(std::move(snap));
  }

  // The writer's answer for the state folder, on the loop.
  void state_saved(const std::string& error) {
    auto& current = progress_.state_error;
    if (error.empty()) {
      current.clear();
      return;
    }
    if (error != current) io::log_error("cannot save the state folder", {{"error", error}});
    current = error;
    saver_.failed();
    if (!stopping_) flush_.retry_later();
  }

  // The node files first (pulls wait for them), then the state folder follows.
  void flush() {
    bool all_ok = files_.write(store_);
    if (cfg_.once) {
      saver_.save_now();
    } else {
      saver_.schedule();
    }
    if (!progress_.state_error.empty()) all_ok = false;
    if (!all_ok) flush_.retry_later();  // disk full, read-only: again without anyone asking
    if (trim_after_flush_) {
      // A full list leaves the parsed pages, old tables and file texts free in glibc's heap:
      // hand them back, or RSS stays at the peak.
      trim_after_flush_ = false;
      ::malloc_trim(0);
    }
    const auto& view = store_.view();
    progress_.written = true;
    ++progress_.writes;
    progress_.last_write = std::chrono::system_clock::now();
    std::string line = std::to_string(store_.secret_count()) + " secrets, " +
                       std::to_string(view.entries.size()) + " registries, " +
                       std::to_string(view.rejected) + " rejected, " +
                       std::to_string(files_.sinks().size()) + " files" +
                       (all_ok ? "" : " (a write failed, see the log)");
    systemd_.status(line);
    update_condition();
    if (cfg_.once) {
      exit_code_ = (all_ok && view.rejected == 0) ? 0 : 1;
      store_.each_report([](const sync::SecretReport& r, const auto&) {
        if (!r.rejected) return;
        for (const auto& p : r.problems)
          io::log_error("secret rejected", {{"problem", p}});
      });
      shutdown();
    }
  }

  void shutdown() {
    if (stopping_) return;
    stopping_ = true;
    systemd_.notify("STOPPING=1");
    feed_.stop();
    if (server_) server_->stop();
    flush_.stop();
    // What the state folder has not caught up with yet is written before exit (the writer
    // finishes it when the daemon goes).
    if (progress_.written && state_writer_) saver_.save_now(/*at_once=*/true);
    saver_.stop();
    ready_timer_.cancel();
    systemd_.stop();
    pull_tests_.stop();
    signals_.cancel();
    io_.stop();
  }

  asio::io_context io_;
  Config cfg_;
  std::vector<std::string> args_;
  AsioLoop loop_;
  SystemdStatus systemd_;
  asio::signal_set signals_;
  asio::steady_timer ready_timer_;

  sync::Store store_;
  SyncProgress progress_;
  bool trim_after_flush_ = false;
  SourceFeed feed_;
  FileSync files_;
  FlushSchedule flush_;
  StateSaver saver_;
  PullTests pull_tests_;
  CredentialEndpoints credentials_;
  DaemonEndpoints endpoints_;
  std::optional<sync::StateWriter> state_writer_;  // declared late: stops before what it uses
  std::unique_ptr<api::StatusServer> server_;
  std::unique_ptr<kube::NodeReporter> node_reporter_;
  std::unique_ptr<kube::IssuerFetcher> issuer_fetcher_;
  bool stopping_ = false;
  int exit_code_ = 0;
};

}  // namespace

int run_daemon(Config config, std::vector<std::string> args, Notifier& notifier) {
  Daemon d(std::move(config), std::move(args), notifier);
  return d.run();
}

}  // namespace regcred::daemon
