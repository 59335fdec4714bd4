// safe_file in a temp folder: what it refuses (symlinks, hard links, what is not a regular file,
// a planted link in a folder others may write), and that a write replaces atomically with the
// mode asked for. The tests that need another user run in the integration tier.
#include "common/io/safe_file.hpp"
#include "tests/support/temp_dir.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace regcred::io {
namespace {

namespace fs = std::filesystem;

class SafeFile : public ::testing::Test {
 protected:
  void put(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }
  Dir dir(const fs::path& p) {
    auto d = open_dir(p.string(), CreateDirs::yes);
    EXPECT_TRUE(d) << d.error().message;
    return std::move(*d);
  }

  testing::TempDir tmp_{"regcred-safe-file"};
  const fs::path& root_ = tmp_.path();
};

TEST_F(SafeFile, WritesAtomicallyWithTheModeAndReadsBack) {
  Dir d = dir(root_ / "a" / "b");  // made on the way
  ASSERT_TRUE(write_file(d, "config.json", "{}", WriteOptions{0600, false}));
  struct stat st {};
  ASSERT_EQ(::stat((root_ / "a/b/config.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600U);
  auto r = read_file(d, "config.json", 1024);
  ASSERT_TRUE(r && *r);
  EXPECT_EQ((*r)->text, "{}");
  ASSERT_TRUE(write_file(d, "config.json", "{\"auths\":{}}", WriteOptions{0600, false}));
  EXPECT_EQ((*read_file(d, "config.json", 1024))->text, "{\"auths\":{}}");
  for (const auto& e : fs::directory_iterator(root_ / "a/b"))  // no temp file left
    EXPECT_EQ(e.path().filename(), "config.json");
}

TEST_F(SafeFile, AMissingFileIsNothingAndABigOneIsRefused) {
  Dir d = dir(root_);
  auto none = read_file(d, "absent.json", 10);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  put(root_ / "big.json", std::string(100, 'x'));
  EXPECT_FALSE(read_file(d, "big.json", 10));
}

// A read refuses a link; a write replaces the name itself (rename), never what it points to.
TEST_F(SafeFile, TheFileIsNeverFollowed) {
  Dir d = dir(root_);
  put(root_ / "target.json", "{\"precious\":true}");
  fs::create_symlink(root_ / "target.json", root_ / "link.json");
  EXPECT_FALSE(read_file(d, "link.json", 1024));
  (void)write_file(d, "link.json", "{}", WriteOptions{0600, false});
  fs::create_hard_link(root_ / "target.json", root_ / "hard.json");
  EXPECT_FALSE(read_file(d, "hard.json", 1024));
  (void)write_file(d, "hard.json", "{}", WriteOptions{0600, false});
  ASSERT_EQ(::mkfifo((root_ / "fifo").c_str(), 0600), 0);
  EXPECT_FALSE(read_file(d, "fifo", 1024));
  std::ifstream t(root_ / "target.json");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(t), {}), "{\"precious\":true}");
}

TEST_F(SafeFile, ALinkInAFolderOthersMayWriteIsRefused) {
  fs::create_directory(root_ / "shared");
  fs::permissions(root_ / "shared", fs::perms::all | fs::perms::sticky_bit);
  fs::create_directory(root_ / "real");
  fs::create_directory_symlink(root_ / "real", root_ / "shared" / "planted");
  EXPECT_FALSE(open_dir((root_ / "shared" / "planted").string(), CreateDirs::no));
  EXPECT_TRUE(open_dir((root_ / "real").string(), CreateDirs::no));
}

TEST_F(SafeFile, SplitPath) {
  EXPECT_EQ(split_path("/a/b/c.json"), std::make_pair(std::string("/a/b"), std::string("c.json")));
  EXPECT_EQ(split_path("c.json"), std::make_pair(std::string("."), std::string("c.json")));
}

}  // namespace
}  // namespace regcred::io
