// local_store.hpp: the node-local credentials `docker-credential-regcred store` keeps, in
// STATE/local.json (a docker config: `auths` with `auth`, or `identitytoken` for a token).
// The daemon and the helper (when the daemon is down) edit it under an flock on
// STATE/local.lock, so two writers never lose each other's entries.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "common/core/credential_helper.hpp"
#include "common/core/docker_config.hpp"
#include "common/core/result.hpp"

namespace regcred::io {

// The file's content; an empty config when it does not exist.
Result<core::DockerConfig> load_local(const std::string& state_dir);

// Loads, applies `edit`, and saves (atomically, 0600) when `edit` returns true, all under the
// lock. The result is the config as it is afterwards.
Result<core::DockerConfig> edit_local(const std::string& state_dir,
                                      const std::function<Result<bool>(core::DockerConfig&)>& edit);

// `docker-credential-regcred store` and `erase` on the node, for the daemon and for the helper
// when the daemon is down: one service, the same rules (core/answer.hpp store_local and
// erase_local). Each returns the node-local credentials as they are afterwards; erase's is
// nullopt when `server` had no node-local credential (nothing was written).
Result<core::DockerConfig> store_local_credential(const std::string& state_dir,
                                                  const core::helper::Credentials& c);
Result<std::optional<core::DockerConfig>> erase_local_credential(const std::string& state_dir,
                                                                 std::string_view server);

}  // namespace regcred::io
