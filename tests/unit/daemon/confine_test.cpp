// The pull worker's confinement, applied for real in a child process: the attack it stops is a
// worker taken over by a hostile registry's answer, reading the state folder or asking
// regcredd's socket for every credential as root.
#include "daemon/worker/confine.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <fstream>

#include "tests/support/temp_dir.hpp"

namespace regcred::worker {
namespace {

// Runs `probe` in a child after confine(readable); its exit code is the test's answer.
int confined(const std::vector<std::string>& readable, int (*probe)(const std::string&),
             const std::string& arg) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (!confine(readable)) ::_exit(100);
    ::_exit(probe(arg));
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 101;
}

int open_errno(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ::close(fd);
    return 0;
  }
  return errno;
}

// 0 when a socket of `Family` can be made, else the errno.
template <int Family>
int socket_errno(const std::string&) {
  const int fd = ::socket(Family, SOCK_STREAM, 0);
  if (fd >= 0) {
    ::close(fd);
    return 0;
  }
  return errno;
}

class Confine : public ::testing::Test {
 protected:
  void SetUp() override {
    ::mkdir(at("state").c_str(), 0700);
    ::mkdir(at("certs").c_str(), 0755);
    std::ofstream(at("state/credentials.json")) << "{}";
    std::ofstream(at("certs/ca.pem")) << "pem";
  }
  std::string at(const char* rel) const { return (dir.path() / rel).string(); }
  testing::TempDir dir;
};

TEST_F(Confine, TheStateFolderIsOutOfReachTheCertificatesAreNot) {
  const std::vector<std::string> readable = {at("certs")};
  EXPECT_EQ(open_errno(at("state/credentials.json")), 0);  // before: root reads it
  EXPECT_EQ(confined(readable, open_errno, at("state/credentials.json")), EACCES);
  EXPECT_EQ(confined(readable, open_errno, at("certs/ca.pem")), 0);
  EXPECT_EQ(confined(readable, open_errno, "/etc/shadow"), EACCES);
}

TEST_F(Confine, NoUnixSocketsInetStays) {
  EXPECT_EQ(confined(readable_paths(), socket_errno<AF_UNIX>, ""), EPERM);
  EXPECT_EQ(confined(readable_paths(), socket_errno<AF_INET>, ""), 0);
}

TEST_F(Confine, TheSystemCertificatesAndResolverStayReadable) {
  for (const char* p : {"/etc/ssl/certs", "/etc/hosts", "/etc/resolv.conf"}) {
    if (open_errno(p) != 0) continue;  // not on this machine
    EXPECT_EQ(confined(readable_paths(), open_errno, p), 0) << p;
  }
}

}  // namespace
}  // namespace regcred::worker
