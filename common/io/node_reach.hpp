// node_reach.hpp: whether a folder regcredd opened is the node's or only its own sandbox's.
// systemd's ProtectHome=tmpfs puts an empty tmpfs on /home, /root and /run/user in the unit's
// mount namespace; a folder there that no BindPaths= brought in is created in that tmpfs, and
// what is written into it never reaches the node. Such a folder is refused with what to do.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/core/result.hpp"

namespace regcred::io {

struct MountEntry {
  std::string mount_point;
  std::string fs_type;
};

// The mount `mount_id` in the text of /proc/self/mountinfo (proc(5)), octal escapes in the
// mount point decoded; nullopt when it is not there.
std::optional<MountEntry> find_mount(std::string_view mountinfo, std::uint64_t mount_id);

// Whether a mount is the empty home tmpfs of ProtectHome=tmpfs.
bool is_private_home(const MountEntry& m);

// Refuses the open folder `dir_fd` (shown as `path`) when it lies on such a mount. Where the
// kernel cannot say which mount holds it (no statx mount id, no /proc), the folder is allowed.
Result<void> check_reaches_node(int dir_fd, const std::string& path);

}  // namespace regcred::io
