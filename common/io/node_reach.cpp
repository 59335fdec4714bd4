#include "common/io/node_reach.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>
#include <vector>

namespace regcred::io {
namespace {

std::vector<std::string_view> fields_of(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    const std::size_t end = std::min(line.find(' ', i), line.size());
    if (end > i) out.push_back(line.substr(i, end - i));
    i = end + 1;
  }
  return out;
}

// proc(5): space, tab, newline and backslash in a mount point are written as \ooo.
std::string unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && s.size() - i >= 4) {
      const auto o = s.substr(i + 1, 3);
      if (o.find_first_not_of("01234567") == std::string_view::npos) {
        out.push_back(static_cast<char>((o[0] - '0') * 64 + (o[1] - '0') * 8 + (o[2] - '0')));
        i += 3;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

}  // namespace

std::optional<MountEntry> find_mount(std::string_view mountinfo, std::uint64_t mount_id) {
  const std::string id = std::to_string(mount_id);
  while (!mountinfo.empty()) {
    const std::size_t nl = std::min(mountinfo.find('\n'), mountinfo.size());
    const std::string_view line = mountinfo.substr(0, nl);
    mountinfo.remove_prefix(std::min(nl + 1, mountinfo.size()));
    const auto f = fields_of(line);
    if (f.size() < 7 || f[0] != id) continue;
    // ID PARENT MAJ:MIN ROOT MOUNT-POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER-OPTIONS
    for (std::size_t i = 6; i + 1 < f.size(); ++i) {
      if (f[i] == "-") return MountEntry{unescape(f[4]), std::string(f[i + 1])};
    }
    return std::nullopt;
  }
  return std::nullopt;
}

bool is_private_home(const MountEntry& m) {
  static constexpr std::array<std::string_view, 3> k_homes = {"/home", "/root", "/run/user"};
  return m.fs_type == "tmpfs" &&
         std::find(k_homes.begin(), k_homes.end(), m.mount_point) != k_homes.end();
}

Result<void> check_reaches_node(int dir_fd, const std::string& path) {
  struct statx stx {};
  if (::statx(dir_fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) != 0 ||
      (stx.stx_mask & STATX_MNT_ID) == 0) {
    return ok();
  }
  std::ifstream in("/proc/self/mountinfo");
  if (!in) return ok();
  std::ostringstream text;
  text << in.rdbuf();
  const auto m = find_mount(text.str(), stx.stx_mnt_id);
  if (!m || !is_private_home(*m)) return ok();
  return fail(Code::unavailable,
              path + " is on this service's private " + m->mount_point +
                  " (ProtectHome=tmpfs), never on the node: bind the home that holds it into "
                  "the unit (BindPaths= in a drop-in, regcredd(8)), then restart regcredd");
}

}  // namespace regcred::io
