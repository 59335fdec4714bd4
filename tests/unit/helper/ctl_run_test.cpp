// regcredctl's run() with string streams: what the user sees on stdout and stderr, and the exit
// code, for the paths the integration test cannot reach cheaply.
#include "helper/ctl/run.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

namespace regcred::ctl {
namespace {

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

Outcome run_ctl(std::vector<std::string> args, const std::string& stdin_text = "") {
  std::istringstream in(stdin_text);
  std::ostringstream out, err;
  Env env{[](const std::string& name) -> std::optional<std::string> {
    if (name == "HOME") return "/nonexistent-home";
    return std::nullopt;
  }};
  const int code = run(args, in, out, err, env);
  return {code, out.str(), err.str()};
}

TEST(CtlRun, PasswordFromStdinLosesOneTrailingNewlineLikeDockerLogin) {
  const auto a = run_ctl({"secret", "create", "s", "--docker-server", "reg.io", "--docker-username",
                          "u", "--docker-password-stdin", "-o", "json"},
                         "pw\n");
  ASSERT_EQ(a.code, 0) << a.err;
  // base64 of {"auths":{"reg.io":{"username":"u","password":"pw","auth":"dTpwdw=="}}}
  EXPECT_NE(
      a.out.find("eyJhdXRocyI6eyJyZWcuaW8iOnsidXNlcm5hbWUiOiJ1IiwicGFzc3dvcmQiOiJwdyIsImF1dGgi"
                 "OiJkVHB3ZHc9PSJ9fX0="),
      std::string::npos)
      << a.out;
  EXPECT_TRUE(a.err.empty()) << a.err;  // no argv warning
}

TEST(CtlRun, PasswordInArgvWarnsAndStdinAndArgvExcludeEachOther) {
  const auto a = run_ctl(
      {"secret", "create", "s", "--docker-username", "u", "--docker-password", "made-up-pw-77"});
  EXPECT_EQ(a.code, 0);
  EXPECT_NE(a.err.find("visible in the process list"), std::string::npos);
  EXPECT_EQ(a.out.find("made-up-pw-77"), std::string::npos) << "the password shows in clear";
  EXPECT_EQ(a.err.find("made-up-pw-77"), std::string::npos) << "the password shows in clear";
  const auto b = run_ctl({"secret", "create", "s", "--docker-username", "u", "--docker-password",
                          "pw", "--docker-password-stdin"});
  EXPECT_EQ(b.code, 2);
}

TEST(CtlRun, CreateRejectsBadNamesWithTheReason) {
  const auto a = run_ctl(
      {"secret", "create", "Bad_Name", "--docker-username", "u", "--docker-password-stdin"}, "pw");
  EXPECT_EQ(a.code, 2);
  EXPECT_NE(a.err.find("secret name \"Bad_Name\""), std::string::npos) << a.err;
  const auto b =
      run_ctl({"secret", "create", "ok", "--docker-username", "u", "--docker-password-stdin"}, "");
  EXPECT_EQ(b.code, 2);
  EXPECT_NE(b.err.find("password is empty"), std::string::npos) << b.err;
}

TEST(CtlRun, LintFromStdinAsJson) {
  const std::string manifest = R"({"kind":"Secret","metadata":{"name":"s","namespace":"n"},
    "type":"kubernetes.io/dockerconfigjson",
    "stringData":{".dockerconfigjson":"{\"auths\": {\"reg.io\": {\"auth\": \"dTpwdw==\"}}}"}})";
  const auto a = run_ctl({"secret", "lint", "-", "-o", "json"}, manifest);
  EXPECT_EQ(a.code, 1);
  const auto j = nlohmann::json::parse(a.out);
  ASSERT_EQ(j.size(), 1U) << a.out;
  EXPECT_EQ(j[0]["secret"], "n/s");
  EXPECT_EQ(j[0]["code"], "not-compact");
  EXPECT_TRUE(j[0]["key"].is_null());
}

TEST(CtlRun, LintOfAMissingFileNamesIt) {
  const auto a = run_ctl({"secret", "lint", "/nonexistent/s.yaml"});
  EXPECT_EQ(a.code, 1);
  EXPECT_EQ(a.err,
            "regcredctl: secret lint: read /nonexistent/s.yaml: No such file or directory\n");
}

TEST(CtlRun, ExplainWithoutAConfigFileMatchesNothing) {
  const auto a = run_ctl({"explain", "quay.io/org/app:1", "-o", "json"});
  ASSERT_EQ(a.code, 0) << a.err;
  const auto j = nlohmann::json::parse(a.out);
  EXPECT_EQ(j["image"], "quay.io/org/app");
  EXPECT_TRUE(j["kubelet"]["matches"].empty());
  EXPECT_TRUE(j["docker"]["key"].is_null());
  EXPECT_TRUE(j["containers"]["key"].is_null());
  EXPECT_EQ(j["containers"]["tried"],
            nlohmann::json({"quay.io/org/app", "quay.io/org", "quay.io"}));
}

TEST(CtlRun, ExplainShowsWhatTheProviderWouldAnswer) {
  const std::string cfg = std::string(REGCRED_TEST_DATA_DIR) + "/provider/config.json";
  const auto a =
      run_ctl({"explain", "registry.example.com/team/app:1", "--docker-config", cfg, "-o", "json"});
  ASSERT_EQ(a.code, 0) << a.err;
  const auto j = nlohmann::json::parse(a.out);
  EXPECT_EQ(j["kubelet"]["firstKey"], "registry.example.com/team");
  const auto& p = j["provider"];
  EXPECT_EQ(p["cacheKeyType"], "Image");
  EXPECT_EQ(p["firstPattern"], "registry.example.com/team");
  ASSERT_EQ(p["auth"].size(), 2U);
  EXPECT_EQ(p["auth"][0]["username"], "team");
  EXPECT_EQ(p["auth"][1]["username"], "host");
  // Never the password.
  EXPECT_EQ(a.out.find("team-pw"), std::string::npos);
  const auto t = run_ctl({"explain", "nginx", "--docker-config", cfg});
  EXPECT_NE(t.out.find("PROVIDER    index.docker.io (user hub-user); cacheKeyType Registry"),
            std::string::npos)
      << t.out;
}

}  // namespace
}  // namespace regcred::ctl
