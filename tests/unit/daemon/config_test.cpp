// regcredd's configuration: defaults, then the file, then flags; one option table behind the
// flags, the YAML keys and --print-config; errors that name the file, the key or the flag.
#include "daemon/config/config.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace regcred::daemon {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class ConfigTest : public ::testing::Test {
 protected:
  std::string file(const std::string& yaml) {
    const auto p = (dir_ / "regcredd.yaml").string();
    std::ofstream(p) << yaml;
    return p;
  }
  Result<ParsedArgs> load(std::vector<std::string> args) { return load_config(args); }

  testing::TempDir tmp_{"regcred-config"};
  const fs::path& dir_ = tmp_.path();
};

TEST_F(ConfigTest, DefaultsWithoutAFile) {
  auto p = load({"--config", "/dev/null", "--secrets-dir", "/s"});
  ASSERT_TRUE(p) << p.error().message;
  const Config& c = p->config;
  EXPECT_EQ(c.state_dir, "/var/lib/regcred");
  EXPECT_EQ(c.socket, "/run/regcred/regcredd.sock");
  EXPECT_EQ(c.label_selector, "regcred.io/sync=true");
  EXPECT_EQ(c.pull_test_interval, 600s);
  EXPECT_EQ(c.ready_timeout, 60s);
  EXPECT_EQ(c.pull_test_concurrency, 4U);
  EXPECT_EQ(c.provider_cache_duration, "1m0s");
  EXPECT_FALSE(c.node_name.empty());
  EXPECT_TRUE(validate(c));
}

TEST_F(ConfigTest, EveryKeyOfTheFileAndFlagsOverIt) {
  const auto path = file(R"(secrets-dir: /s
kubelet-config: /k/config.json
docker-config: [/a/config.json, /b/config.json]
namespaces: [x, y]
label-selector: ""
pull-test: img:1
pull-test-interval: 1h30m
pull-test-concurrency: "8"
pull-test-ca-file: /ca.crt
ready-timeout: 90
node-conditions: false
namespace-credentials: true
provider-cache-duration: 90s
log-level: debug
socket-group: regcred
)");
  auto p = load({"--config", path, "--pull-test-interval", "5m", "--namespace", "z"});
  ASSERT_TRUE(p) << p.error().message;
  const Config& c = p->config;
  EXPECT_EQ(c.docker_configs, (std::vector<std::string>{"/a/config.json", "/b/config.json"}));
  EXPECT_EQ(c.namespaces, (std::vector<std::string>{"z"}));  // the flag replaces the list
  EXPECT_EQ(c.label_selector, "");
  EXPECT_EQ(c.pull_tests, (std::vector<std::string>{"img:1"}));
  EXPECT_EQ(c.pull_test_interval, 5min);
  EXPECT_EQ(c.pull_test_concurrency, 8U);
  EXPECT_EQ(c.ready_timeout, 90s);
  EXPECT_TRUE(c.namespace_credentials);
  EXPECT_EQ(c.provider_cache_duration, "1m30s");
  EXPECT_EQ(c.log_level, io::Level::debug);
  EXPECT_EQ(c.socket_group, "regcred");
}

TEST_F(ConfigTest, ErrorsNameTheFileTheKeyOrTheFlag) {
  auto unknown = load({"--config", file("no-such-key: 1\n")});
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("regcredd.yaml: no-such-key: unknown key"),
            std::string::npos)
      << unknown.error().message;
  auto wrong = load({"--config", file("in-cluster: maybe\n")});
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("in-cluster: expected true or false"), std::string::npos);
  auto dur = load({"--config", "/dev/null", "--ready-timeout", "soon"});
  ASSERT_FALSE(dur);
  EXPECT_NE(dur.error().message.find("--ready-timeout"), std::string::npos);
  EXPECT_FALSE(load({"--config", "/dev/null", "--pull-test-concurrency", "65"}));
  EXPECT_FALSE(load({"--config", "/dev/null", "--log-level", "loud"}));
  EXPECT_FALSE(load({"--config", (dir_ / "missing.yaml").string()}));
}

TEST_F(ConfigTest, PrintConfigShowsEachValueAndWhereItCameFrom) {
  auto p = load({"--config", file("state-dir: /st\n"), "--socket", "/s.sock", "--print-config"});
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_TRUE(p->exit_now);
  EXPECT_NE(p->output.find("state-dir: /st  # file\n"), std::string::npos) << p->output;
  EXPECT_NE(p->output.find("socket: /s.sock  # flag\n"), std::string::npos) << p->output;
  EXPECT_NE(p->output.find("pull-test-interval: 10m0s  # default\n"), std::string::npos)
      << p->output;
}

TEST_F(ConfigTest, OneDurationGrammar) {
  EXPECT_EQ(*parse_duration("30s"), 30s);
  EXPECT_EQ(*parse_duration("10m"), 10min);
  EXPECT_EQ(*parse_duration("1h30m"), 90min);
  EXPECT_EQ(*parse_duration("90"), 90s);  // plain seconds
  EXPECT_EQ(*parse_duration("1.5m"), 90s);
  EXPECT_FALSE(parse_duration(""));
  EXPECT_FALSE(parse_duration("10x"));
  EXPECT_FALSE(parse_duration("-5s"));
}

TEST_F(ConfigTest, ValidateNeedsOneSourceAndDistinctFiles) {
  Config c;
  EXPECT_FALSE(validate(c));
  c.secrets_dir = "/s";
  EXPECT_TRUE(validate(c));
  c.docker_configs = {"/a/config.json", "/a/config.json"};
  EXPECT_FALSE(validate(c));
  c.docker_configs = {"/a/"};
  EXPECT_FALSE(validate(c));
  c.docker_configs.clear();
  c.kubeconfig = "/k";
  c.in_cluster = true;
  EXPECT_FALSE(validate(c));
}

TEST_F(ConfigTest, AKubernetesSourceSaysWhichSecretsItReads) {
  Config c;
  c.kubeconfig = "/k";
  auto none = validate(c);  // reading every Secret of the cluster is never a default
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("--published-namespace NS"), std::string::npos);
  c.all_namespaces = true;
  EXPECT_TRUE(validate(c));
  c.namespaces = {"team-a"};
  EXPECT_FALSE(validate(c));  // both
  c.all_namespaces = false;
  EXPECT_TRUE(validate(c));
  c.published_namespace = "regcred-system";
  EXPECT_FALSE(validate(c));  // published and direct
  c.namespaces.clear();
  EXPECT_TRUE(validate(c));
  c.namespace_credentials = true;
  EXPECT_TRUE(validate(c));  // answered from the publisher's namespace-scoped copies
  c.namespace_credentials = false;
  c.kubeconfig.clear();
  c.secrets_dir = "/s";
  EXPECT_FALSE(validate(c));  // published mode without a Kubernetes source
  auto p = load({"--config", file("published-namespace: regcred-system\nin-cluster: true\n")});
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->config.published_namespace, "regcred-system");
  EXPECT_TRUE(validate(p->config));
}

}  // namespace
}  // namespace regcred::daemon
