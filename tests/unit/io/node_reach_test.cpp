// Which mount holds a folder, read from /proc/self/mountinfo as a unit with ProtectHome=tmpfs
// sees it (lines as systemd 252 leaves them on Debian 12).
#include "common/io/node_reach.hpp"

#include <gtest/gtest.h>

namespace regcred::io {
namespace {

constexpr std::string_view k_unit_mountinfo =
    "730 651 0:52 / / ro,relatime master:1 - ext4 /dev/sda1 rw\n"
    "741 730 0:61 / /home ro,nosuid,nodev,relatime - tmpfs tmpfs rw,mode=755,inode64\n"
    "742 730 0:61 / /root rw,nosuid,nodev,relatime - tmpfs tmpfs rw,mode=755,inode64\n"
    "743 742 0:52 /root/.docker /root/.docker rw,relatime master:1 - ext4 /dev/sda1 rw\n"
    "744 741 0:52 /home/ci /home/ci rw,relatime master:1 - ext4 /dev/sda1 rw\n"
    "745 730 0:62 / /run/user rw,nosuid shared:9 master:3 - tmpfs tmpfs rw\n"
    "746 730 0:63 / /mnt/my\\040disk rw - tmpfs tmpfs rw\n";

TEST(NodeReach, FindsTheMountByIdWithOptionalFields) {
  auto m = find_mount(k_unit_mountinfo, 743);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->mount_point, "/root/.docker");
  EXPECT_EQ(m->fs_type, "ext4");
  m = find_mount(k_unit_mountinfo, 745);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->fs_type, "tmpfs");
  EXPECT_FALSE(find_mount(k_unit_mountinfo, 74));
  EXPECT_FALSE(find_mount("", 1));
  EXPECT_FALSE(find_mount("742 730 0:61 / /root rw", 742));  // no separator: not a mount line
}

TEST(NodeReach, DecodesOctalEscapes) {
  auto m = find_mount(k_unit_mountinfo, 746);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->mount_point, "/mnt/my disk");
}

TEST(NodeReach, TheHomeTmpfsIsPrivateABoundFolderIsNot) {
  EXPECT_TRUE(is_private_home(*find_mount(k_unit_mountinfo, 741)));
  EXPECT_TRUE(is_private_home(*find_mount(k_unit_mountinfo, 742)));
  EXPECT_TRUE(is_private_home(*find_mount(k_unit_mountinfo, 745)));
  EXPECT_FALSE(is_private_home(*find_mount(k_unit_mountinfo, 743)));
  EXPECT_FALSE(is_private_home(*find_mount(k_unit_mountinfo, 744)));
  EXPECT_FALSE(is_private_home(*find_mount(k_unit_mountinfo, 730)));
  EXPECT_FALSE(is_private_home(*find_mount(k_unit_mountinfo, 746)));  // a tmpfs elsewhere
}

}  // namespace
}  // namespace regcred::io
