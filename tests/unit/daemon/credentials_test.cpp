// The helpers' endpoints over a store and a temp state folder: what each answers, and that a
// store or an erase hands the node-local credentials back to the daemon.
#include "daemon/handlers/credentials.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "common/io/local_store.hpp"
#include "tests/support/secrets.hpp"
#include "tests/support/temp_dir.hpp"

namespace regcred::daemon {
namespace {

namespace fs = std::filesystem;
using testing::pull_secret;

class Credentials : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.state_dir = dir_.string();
    store_.upsert("kube", pull_secret("team-a", "pull", "quay.io", "robot", "pw-1"), "kube");
  }
  api::Response post(const std::string& target, const std::string& body,
                     api::Response (CredentialEndpoints::*call)(const api::Request&)) {
    return (endpoints_.*call)(api::Request{"POST", target, body, true});
  }
  static nlohmann::json body(const api::Response& r) { return nlohmann::json::parse(r.body); }

  testing::TempDir tmp_{"regcred-cred"};
  const fs::path& dir_ = tmp_.path();
  Config config_;
  sync::Store store_;
  std::vector<std::size_t> local_changes_;
  CredentialEndpoints endpoints_{config_, store_, [this](const core::DockerConfig& local) {
                                   local_changes_.push_back(local.auths().size());
                                 }};
};

TEST_F(Credentials, GetAndList) {
  auto g = post("/v1/helper/get", R"({"server":"https://quay.io"})", &CredentialEndpoints::get);
  ASSERT_EQ(g.status, 200U) << g.body;
  EXPECT_EQ(body(g)["username"], "robot");
  EXPECT_EQ(body(g)["secret"], "pw-1");
  EXPECT_EQ(body(g)["from"], "team-a/pull");
  auto none = post("/v1/helper/get", R"({"server":"x.example.com"})", &CredentialEndpoints::get);
  EXPECT_EQ(none.status, 404U);
  EXPECT_EQ(body(none)["error"], "credentials not found in native keychain");
  EXPECT_EQ(post("/v1/helper/get", "[]", &CredentialEndpoints::get).status, 400U);
  auto l = endpoints_.list(api::Request{"GET", "/v1/helper/list", "", true});
  EXPECT_EQ(body(l)["entries"]["quay.io"], "robot");
}

// Root's docker login on the node: root's helper answers with it, a group member's helper and
// kubelet's provider with the cluster's secret, unless node-local credentials are node-wide.
TEST_F(Credentials, ANodeLocalCredentialIsRootsUnlessNodeWide) {
  auto s = endpoints_.store(
      api::Request{"POST", "/v1/helper/store",
                   R"({"serverURL":"quay.io","username":"root","secret":"rp"})", true, true});
  ASSERT_EQ(s.status, 200U) << s.body;
  auto local = io::load_local(config_.state_dir);
  ASSERT_TRUE(local.has_value());
  store_.set_local(*local);
  const std::string get = R"({"server":"quay.io"})";
  const std::string kubelet =
      R"({"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1",)"
      R"("image":"quay.io/team/app"})";
  auto as_root = endpoints_.get(api::Request{"POST", "/v1/helper/get", get, true, true});
  EXPECT_EQ(body(as_root)["username"], "root");
  EXPECT_EQ(body(endpoints_.list(
                api::Request{"GET", "/v1/helper/list", "", true, true}))["entries"]["quay.io"],
            "root");
  EXPECT_EQ(body(post("/v1/helper/get", get, &CredentialEndpoints::get))["username"], "robot");
  EXPECT_EQ(
      body(endpoints_.list(api::Request{"GET", "/v1/helper/list", "", true}))["entries"]["quay.io"],
      "robot");
  auto p = post("/v1/provider", kubelet, &CredentialEndpoints::provider);
  EXPECT_NE(p.body.find(R"("password":"pw-1")"), std::string::npos) << p.body;
  store_.set_local_node_wide(true);
  EXPECT_EQ(body(post("/v1/helper/get", get, &CredentialEndpoints::get))["username"], "root");
  p = post("/v1/provider", kubelet, &CredentialEndpoints::provider);
  EXPECT_NE(p.body.find(R"("password":"rp")"), std::string::npos) << p.body;
}

TEST_F(Credentials, StoreThenEraseHandTheLocalCredentialsBack) {
  auto s = post("/v1/helper/store", R"({"serverURL":"reg.io","username":"me","secret":"x"})",
                &CredentialEndpoints::store);
  ASSERT_EQ(s.status, 200U) << s.body;
  EXPECT_EQ(local_changes_, std::vector<std::size_t>{1});
  auto missing = post("/v1/helper/store", R"({"serverURL":"","username":"me","secret":"x"})",
                      &CredentialEndpoints::store);
  EXPECT_EQ(missing.status, 400U);
  EXPECT_EQ(body(missing)["error"], "no credentials server URL");
  auto e = post("/v1/helper/erase", R"({"server":"reg.io"})", &CredentialEndpoints::erase);
  ASSERT_EQ(e.status, 200U) << e.body;
  EXPECT_EQ(local_changes_, (std::vector<std::size_t>{1, 0}));
  EXPECT_EQ(post("/v1/helper/erase", R"({"server":"reg.io"})", &CredentialEndpoints::erase).status,
            404U);
}

TEST_F(Credentials, AClusterCredentialIsNotErasedFromTheNode) {
  auto e = post("/v1/helper/erase", R"({"server":"quay.io"})", &CredentialEndpoints::erase);
  EXPECT_EQ(e.status, 409U);
  EXPECT_NE(body(e)["error"].get<std::string>().find("team-a/pull"), std::string::npos);
  EXPECT_TRUE(local_changes_.empty());
}

TEST_F(Credentials, TheProviderAnswersWithTheCacheDurationAsked) {
  const std::string req =
      R"({"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1",)"
      R"("image":"quay.io/team/app"})";
  auto a = post("/v1/provider?cacheDuration=5m", req, &CredentialEndpoints::provider);
  ASSERT_EQ(a.status, 200U) << a.body;
  EXPECT_NE(a.body.find(R"("cacheDuration":"5m0s")"), std::string::npos) << a.body;
  EXPECT_NE(a.body.find(R"("password":"pw-1")"), std::string::npos);
  auto d = post("/v1/provider", req, &CredentialEndpoints::provider);
  EXPECT_NE(d.body.find(R"("cacheDuration":"1m0s")"), std::string::npos) << d.body;
  EXPECT_EQ(post("/v1/provider", "{}", &CredentialEndpoints::provider).status, 400U);
}

}  // namespace
}  // namespace regcred::daemon
