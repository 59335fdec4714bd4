// backend.hpp: where the helpers get their answers. The daemon, over the status socket, when it
// listens; otherwise the state folder it keeps (credentials.json, namespaces.json) and
// local.json, read directly. Both answer with the same rules (common/core/answer.hpp).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/core/answer.hpp"
#include "common/core/credential_helper.hpp"
#include "common/core/provider.hpp"
#include "common/core/result.hpp"

namespace regcred::helper_common {

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

class Backend {
 public:
  Backend(std::string socket, std::string state_dir)
      : socket_(std::move(socket)), state_dir_(std::move(state_dir)) {}

  Result<std::optional<GetAnswer>> get(std::string_view server);
  Result<std::map<std::string, std::string>> list();
  Result<void> store(const core::helper::Credentials& c);
  Result<EraseAnswer> erase(std::string_view server);
  // The response bytes for a request (its text as kubelet sent it, and parsed).
  Result<std::string> provide(std::string_view request_text, const core::ProviderRequest& r,
                              std::string_view hit_duration);

  // The credentials the state folder holds for an image (regcredd down): for pull tests.
  Result<core::CredentialTable> state_for_image(const std::string& image) const {
    return state_table({Filter::image, image});
  }

  // Whether the last call was answered by the daemon (for --verbose diagnostics and tests).
  bool used_daemon() const { return used_daemon_; }

 private:
  // What the caller will look up, so the lookup index can skip the rest.
  struct Filter {
    enum Kind { all, registry, image } kind;
    std::string value;
  };
  Result<core::CredentialTable> state_table(const Filter& filter) const;
  Result<core::CredentialTable> with_local(core::CredentialTable cluster) const;
  Result<std::optional<core::CredentialTable>> namespace_table(const std::string& ns) const;

  std::string socket_;
  std::string state_dir_;
  bool used_daemon_ = false;
};

}  // namespace regcred::helper_common
