// backend.hpp: where the helpers get their answers. The daemon, over the status socket, when it
// listens; otherwise the state folder it keeps (common/io/state_folder.hpp) and local.json,
// read directly. Both answer with the same rules (common/core/answer.hpp).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/core/answer.hpp"
#include "common/core/credential_helper.hpp"
#include "common/core/provider.hpp"
#include "common/core/result.hpp"
#include "common/io/state_folder.hpp"

namespace regcred::helper_backend {

inline constexpr std::string_view k_default_socket = "/run/regcred/regcredd.sock";
inline constexpr std::string_view k_default_state_dir = "/var/lib/regcred";

struct GetAnswer {
  std::string username;  // "<token>" for an identity token
  Secret secret;
};

enum class EraseOutcome { erased, not_found, refused };
struct EraseAnswer {
  EraseOutcome outcome = EraseOutcome::not_found;
  std::string message;  // for refused
};

// getenv for main(): the helpers run one thread.
std::optional<std::string> process_env(const std::string& name);

// What both helpers (and regcredctl's pull-test and doctor) ask. DaemonBackend answers; tests
// use an in-memory one (tests/fakes/memory_backend.hpp), as docker-credential-helpers tests its
// protocol against a memory store.
class Backend {
 public:
  virtual ~Backend() = default;
  // nullopt: no credential for `server`.
  virtual Result<std::optional<GetAnswer>> get(std::string_view server) = 0;
  virtual Result<std::map<std::string, std::string>> list() = 0;  // server -> username
  virtual Result<void> store(const core::helper::Credentials& c) = 0;
  virtual Result<EraseAnswer> erase(std::string_view server) = 0;
  // The response bytes for a provider request (its text as kubelet sent it, and parsed);
  // `hit_duration` is the cacheDuration of an answer with credentials.
  virtual Result<std::string> provide(std::string_view request_text, const core::ProviderRequest& r,
                                      std::string_view hit_duration) = 0;
  // Whether the last call was answered by the daemon (for --verbose diagnostics and tests).
  virtual bool used_daemon() const = 0;
};

// The daemon, over its socket, when it listens; otherwise the state folder it keeps and
// local.json, read directly.
class DaemonBackend final : public Backend {
 public:
  DaemonBackend(std::string socket, std::string state_dir)
      : socket_(std::move(socket)), state_dir_(std::move(state_dir)) {}

  Result<std::optional<GetAnswer>> get(std::string_view server) override;
  Result<std::map<std::string, std::string>> list() override;
  Result<void> store(const core::helper::Credentials& c) override;
  Result<EraseAnswer> erase(std::string_view server) override;
  Result<std::string> provide(std::string_view request_text, const core::ProviderRequest& r,
                              std::string_view hit_duration) override;
  bool used_daemon() const override { return used_daemon_; }

  // The credentials the state folder holds for an image (regcredd down): for pull tests.
  Result<core::CredentialTable> state_for_image(const std::string& image) const;

 private:
  std::string socket_;
  std::string state_dir_;
  bool used_daemon_ = false;
};

// How a helper's run() gets its backend from the socket and state folder it was given.
using MakeBackend = std::function<std::unique_ptr<Backend>(const std::string& socket,
                                                           const std::string& state_dir)>;
std::unique_ptr<Backend> daemon_backend(const std::string& socket, const std::string& state_dir);

}  // namespace regcred::helper_backend
