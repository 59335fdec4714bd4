// docker-credential-regcred's run() against an in-memory backend: the protocol's bytes on stdout
// and its exit codes, as docker-credential-helpers tests credentials.Serve against its memory
// store. The backend's own rules (socket, state folder) are the integration tests'.
#include "helper/docker/run.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "tests/fakes/memory_backend.hpp"

namespace regcred::docker_helper {
namespace {

struct Outcome {
  int code;
  std::string out;
};

class DockerRun : public ::testing::Test {
 protected:
  Outcome call(std::vector<std::string> args, const std::string& stdin_text = "") {
    std::istringstream in(stdin_text);
    std::ostringstream out;
    const int code = run(args, in, out, env_, backend_.maker());
    return {code, out.str()};
  }
  void cluster(const std::string& key, const std::string& user, const std::string& pw) {
    backend_.cluster.push_back(
        {key, core::Credential{user, Secret(pw), {}}, "team-a/pull/" + key, "team-a/pull"});
  }

  testing::MemoryBackend backend_;
  std::map<std::string, std::string> vars_;
  Getenv env_ = [this](const std::string& name) -> std::optional<std::string> {
    auto it = vars_.find(name);
    if (it == vars_.end()) return std::nullopt;
    return it->second;
  };
};

TEST_F(DockerRun, StoreThenGetListErase) {
  auto s =
      call({"store"}, R"({"ServerURL":"https://reg.example.com","Username":"u","Secret":"p"})");
  ASSERT_EQ(s.code, 0) << s.out;
  EXPECT_EQ(s.out, "");
  auto g = call({"get"}, "https://reg.example.com");
  ASSERT_EQ(g.code, 0) << g.out;
  EXPECT_EQ(g.out, R"({"ServerURL":"https://reg.example.com","Username":"u","Secret":"p"})"
                   "\n");
  auto l = call({"list"});
  ASSERT_EQ(l.code, 0);
  EXPECT_EQ(l.out, R"({"https://reg.example.com":"u"})"  // the ServerURL as stored
                   "\n");
  auto e = call({"erase"}, "reg.example.com");
  ASSERT_EQ(e.code, 0) << e.out;
  auto gone = call({"get"}, "https://reg.example.com");
  EXPECT_EQ(gone.code, 1);
  EXPECT_EQ(gone.out, "credentials not found in native keychain\n");
}

TEST_F(DockerRun, AnIdentityTokenIsStoredAndGivenAsToken) {
  ASSERT_EQ(call({"store"}, R"({"ServerURL":"reg.io","Username":"<token>","Secret":"rt"})").code,
            0);
  EXPECT_EQ(
      call({"get"}, "reg.io").out,
      R"({"ServerURL":"reg.io","Username":"\u003ctoken\u003e","Secret":"rt"})"  // Go escapes <>
      "\n");
}

TEST_F(DockerRun, AClusterCredentialIsServedButNotErased) {
  cluster("quay.io", "robot", "s3cret");
  auto g = call({"get"}, "quay.io");
  ASSERT_EQ(g.code, 0);
  EXPECT_EQ(g.out, R"({"ServerURL":"quay.io","Username":"robot","Secret":"s3cret"})"
                   "\n");
  auto e = call({"erase"}, "quay.io");
  EXPECT_EQ(e.code, 1);
  EXPECT_NE(e.out.find("team-a/pull"), std::string::npos) << e.out;
  EXPECT_EQ(call({"get"}, "quay.io").code, 0);
}

TEST_F(DockerRun, ErrorsGoToStdoutWithExitOne) {
  EXPECT_EQ(call({}).out, "Usage: docker-credential-regcred <store|get|erase|list|version>\n");
  EXPECT_EQ(call({}).code, 1);
  EXPECT_EQ(call({"fetch"}).out, "docker-credential-regcred: unknown action: fetch\n");
  EXPECT_EQ(call({"get"}, "").out, "no credentials server URL\n");
  EXPECT_EQ(call({"get"}, "   \n").out, "no credentials server URL\n");
  EXPECT_EQ(call({"get"}, "nothing.example.com").out, "credentials not found in native keychain\n");
  EXPECT_EQ(call({"erase"}, "nothing.example.com").code, 1);
  auto bad = call({"store"}, "{not json");
  EXPECT_EQ(bad.code, 1);
  EXPECT_FALSE(bad.out.empty());
  EXPECT_EQ(backend_.local.auths().size(), 0U);
}

TEST_F(DockerRun, VersionNeedsNoBackend) {
  auto v = call({"version"});
  EXPECT_EQ(v.code, 0);
  EXPECT_EQ(v.out.rfind("docker-credential-regcred (regcred) v", 0), 0U);
  EXPECT_EQ(backend_.calls, 0);
}

TEST_F(DockerRun, TheEnvironmentNamesTheSocketAndTheStateFolder) {
  call({"list"});
  EXPECT_EQ(backend_.given_socket, "/run/regcred/regcredd.sock");
  EXPECT_EQ(backend_.given_state_dir, "/var/lib/regcred");
  vars_["REGCRED_SOCKET"] = "/tmp/s.sock";
  vars_["REGCRED_STATE_DIR"] = "/tmp/state";
  call({"list"});
  EXPECT_EQ(backend_.given_socket, "/tmp/s.sock");
  EXPECT_EQ(backend_.given_state_dir, "/tmp/state");
}

}  // namespace
}  // namespace regcred::docker_helper
