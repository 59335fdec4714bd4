// local_store.hpp: the node-local credentials `docker-credential-regcred store` keeps, in
// STATE/local.json (a docker config: `auths` with `auth`, or `identitytoken` for a token).
// The daemon and the helper (when the daemon is down) edit it under an flock on
// STATE/local.lock, so two writers never lose each other's entries.
#pragma once

#include <functional>
#include <string>

#include "common/core/docker_config.hpp"
#include "common/core/result.hpp"

namespace regcred::io {

inline constexpr std::string_view k_local_file = "local.json";

// The file's content; an empty config when it does not exist.
Result<core::DockerConfig> load_local(const std::string& state_dir);

// Loads, applies `edit`, and saves (atomically, 0600) when `edit` returns true, all under the
// lock. The result is the config as it is afterwards.
Result<core::DockerConfig> edit_local(const std::string& state_dir,
                                      const std::function<Result<bool>(core::DockerConfig&)>& edit);

}  // namespace regcred::io
