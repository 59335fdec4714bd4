// regcred-credential-provider's run() against an in-memory backend: the flags, the request on
// stdin, the response bytes on stdout and the errors on stderr, as kubelet sees them.
#include "helper/provider/run.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "tests/fakes/memory_backend.hpp"

namespace regcred::provider {
namespace {

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

constexpr std::string_view k_request =
    R"({"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1",)"
    R"("image":"registry.example.com/team/app"})";

class ProviderRun : public ::testing::Test {
 protected:
  Outcome call(std::vector<std::string> args, std::string_view stdin_text = k_request) {
    std::istringstream in{std::string(stdin_text)};
    std::ostringstream out, err;
    auto env = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
    const int code = run(args, in, out, err, env, backend_.maker());
    return {code, out.str(), err.str()};
  }

  testing::MemoryBackend backend_;
};

TEST_F(ProviderRun, AnswersWithTheMatchingKeyAndTheHitDuration) {
  backend_.cluster.push_back(
      {"registry.example.com", core::Credential{"robot", Secret("pw"), {}}, "a", "team/pull"});
  auto r = call({});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(
      r.out,
      R"({"kind":"CredentialProviderResponse","apiVersion":"credentialprovider.kubelet.k8s.io/v1",)"
      R"("cacheKeyType":"Registry","cacheDuration":"1m0s",)"
      R"("auth":{"registry.example.com":{"username":"robot","password":"pw"}}})"
      "\n");
  auto five = call({"--cache-duration", "5m"});
  EXPECT_NE(five.out.find(R"("cacheDuration":"5m0s")"), std::string::npos) << five.out;
}

TEST_F(ProviderRun, NothingMatchingIsAnEmptyAnswerThatIsNotCached) {
  auto r = call({});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find(R"("cacheDuration":"0s")"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(R"("auth":{})"), std::string::npos) << r.out;
}

TEST_F(ProviderRun, ABadRequestIsOneLineOnStderrAndExitOne) {
  auto r = call({}, R"({"kind":"Pod","apiVersion":"v1","image":"x"})");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.rfind("regcred-credential-provider: ", 0), 0U) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
  EXPECT_EQ(backend_.calls, 0);
}

TEST_F(ProviderRun, ABadFlagIsUsageExitTwo) {
  EXPECT_EQ(call({"--cache-duration", "soon"}).code, 2);
  EXPECT_EQ(call({"--cache-duration", "-1m"}).code, 2);
  EXPECT_EQ(call({"--no-such-flag"}).code, 2);
  EXPECT_EQ(backend_.calls, 0);
}

TEST_F(ProviderRun, FlagsNameTheSocketAndTheStateFolder) {
  ASSERT_EQ(call({"--socket", "/tmp/x.sock", "--state-dir", "/tmp/st"}).code, 0);
  EXPECT_EQ(backend_.given_socket, "/tmp/x.sock");
  EXPECT_EQ(backend_.given_state_dir, "/tmp/st");
}

}  // namespace
}  // namespace regcred::provider
