// Runs the vectors of docker-vectors.json that the pure core implements: hostname and key
// normalisation of docker CLI and containers/image, containers/image's key lookup, the three
// `auth` decoders, kubectl's .dockerconfigjson bytes and kubelet's keyring. The helper protocol
// vectors run against the helper binary (its own issue); error classes with the pull tests.
#include "common/core/docker_config.hpp"
#include "common/core/kubectl_secret.hpp"
#include "common/core/match.hpp"
#include "tests/support/vectors.hpp"

namespace regcred::core {
namespace {

using nlohmann::json;
using regcred::testing::run_vector;
using regcred::testing::VectorTally;

class DockerVectors : public ::testing::Test {
 protected:
  static void TearDownTestSuite() { VectorTally::get().print(); }
  const json all_ = regcred::testing::load_json("docker-vectors.json");
};

TEST_F(DockerVectors, ConvertToHostname) {
  for (const auto& v : all_["docker_hostname"]["convert_to_hostname"]) {
    run_vector("docker.convert_to_hostname", v, [&] {
      const std::string in = v["input"];
      EXPECT_EQ(docker_convert_to_hostname(in), v["docker_cli_ConvertToHostname"]);
      EXPECT_EQ(docker_convert_to_hostname_pre2024(in), v["docker_cli_ConvertToHostname_pre2024"]);
      EXPECT_EQ(docker_auth_config_key(docker_convert_to_hostname(in)),
                v["docker_cli_credential_key"]);
      EXPECT_EQ(containers_normalize_auth_file_key(in), v["containers_image_normalizeAuthFileKey"]);
      EXPECT_EQ(containers_normalize_auth_file_key(in, true),
                v["containers_image_normalizeAuthFileKey_legacy_dockercfg"]);
    });
  }
  EXPECT_EQ(VectorTally::get().run("docker.convert_to_hostname"), 28);
}

TEST_F(DockerVectors, AuthConfigKey) {
  for (const auto& v : all_["docker_hostname"]["auth_config_key_rules"]) {
    run_vector("docker.auth_config_key", v,
               [&] { EXPECT_EQ(docker_auth_config_key(v["input"].get<std::string>()), v["key"]); });
  }
}

TEST_F(DockerVectors, FileStoreGet) {
  for (const auto& v : all_["docker_hostname"]["file_store_get_rules"]) {
    if (!v.contains("auths_keys")) continue;  // credsStore/credHelpers rules: see ExplainHelpers
    run_vector("docker.file_store_get", v, [&] {
      const auto keys = v["auths_keys"].get<std::vector<std::string>>();
      auto k = docker_file_store_key(keys, v["lookup"].get<std::string>());
      ASSERT_TRUE(k.has_value());
      const std::string result = v["result"];
      if (result.starts_with("exact")) {
        EXPECT_EQ(*k, v["lookup"]);
      } else {
        // A legacy key found through ConvertToHostname; with two, Go picks at random and we
        // pick the first, every time.
        EXPECT_EQ(*k, keys.front());
        EXPECT_EQ(docker_file_store_key(keys, v["lookup"].get<std::string>()), k);
      }
    });
  }
}

TEST_F(DockerVectors, ContainersKeyLookupOrder) {
  for (const auto& v : all_["containers_auth_lookup"]["key_lookup_order"]) {
    run_vector("containers.key_lookup_order", v, [&] {
      const std::string key = v["key"];
      auto order = containers_lookup_order(key);
      auto legacy = containers_lookup_order(key, true);
      if (!v["valid"].get<bool>()) {
        ASSERT_FALSE(order.has_value());
        EXPECT_EQ(order.error().message, v["error"]);
        return;
      }
      ASSERT_TRUE(order.has_value()) << order.error().message;
      EXPECT_EQ(*order, v["lookup_order"].get<std::vector<std::string>>());
      ASSERT_TRUE(legacy.has_value());
      EXPECT_EQ(*legacy, v["lookup_order_legacy_dockercfg"].get<std::vector<std::string>>());
    });
  }
}

// containers/image's findCredentialsInFile over one file: the key it picks, then its decode.
json containers_get(const std::string& text, const std::string& key, bool legacy) {
  auto cfg = DockerConfig::parse(text, legacy ? Format::dockercfg : Format::config_json);
  EXPECT_TRUE(cfg.has_value());
  if (!cfg) return nullptr;
  std::vector<std::string> keys;
  for (const auto& e : cfg->auths())
    keys.push_back(e.key);
  auto k = containers_file_key(keys, key, legacy);
  if (!k) return json::object();
  auto d = entry_credential_containers(*cfg->find(*k));
  EXPECT_TRUE(d.has_value());
  if (!d || !d->credential) return json::object();
  json out = {{"username", d->credential->username},
              {"password", d->credential->password.reveal()}};
  if (!d->credential->identitytoken.empty())
    out["identitytoken"] = d->credential->identitytoken.reveal();
  return out;
}

TEST_F(DockerVectors, ContainersGetAuth) {
  int skipped = 0;
  for (const auto& v : all_["containers_auth_lookup"]["get_auth_cases"]) {
    std::string text;
    bool legacy = false;
    if (v.contains("file") && v["file"].is_object()) {
      text = v["file"].dump();
    } else if (v.contains("file") && v["file"].is_string()) {
      const std::string f = v["file"];
      text = regcred::testing::read_text("containers/" + f.substr(f.find('/') + 1));
    } else if (v.contains("legacy_dockercfg")) {
      text = v["legacy_dockercfg"].dump();
      legacy = true;
    } else {
      ++skipped;  // several files, registries.conf or a helper: the helper issue's file search
      continue;
    }
    if (v.contains("helper_called_with") ||
        (v.contains("file") && v["file"].is_object() && v["file"].contains("credHelpers"))) {
      ++skipped;
      continue;
    }
    run_vector("containers.get_auth", v,
               [&] { EXPECT_EQ(containers_get(text, v["key"], legacy), v["expected"]); });
  }
  std::cout << "vectors: containers.get_auth cases left to the helper (file search, helpers): "
            << skipped << "\n";
}

TEST_F(DockerVectors, AuthFieldDecode) {
  for (const auto& v : all_["auth_field_decode"]) {
    run_vector("auth_field_decode", v, [&] {
      AuthEntry e;
      e.key = "host";
      e.auth = Secret(v["auth"].get<std::string>());
      // docker CLI
      {
        auto c = entry_credential_docker(e);
        const auto& want = v["docker_cli"];
        if (want.contains("error")) {
          ASSERT_FALSE(c.has_value());
          EXPECT_EQ(c.error().message, want["error"]);
        } else {
          ASSERT_TRUE(c.has_value()) << c.error().message;
          EXPECT_EQ(c->username, want["username"]);
          EXPECT_EQ(c->password.reveal(), want["password"]);
        }
      }
      // containers/image
      {
        auto d = entry_credential_containers(e);
        const auto& want = v["containers_image"];
        if (want.contains("error")) {
          ASSERT_FALSE(d.has_value());
          EXPECT_EQ(d.error().message, want["error"]);
        } else if (want.contains("warning")) {
          ASSERT_TRUE(d.has_value());
          EXPECT_FALSE(d->credential.has_value());
          const std::string w = want["warning"];
          EXPECT_EQ(d->warning.empty(), !w.starts_with("Error parsing"));
        } else {
          ASSERT_TRUE(d.has_value());
          ASSERT_TRUE(d->credential.has_value());
          EXPECT_EQ(d->credential->username, want["username"]);
          EXPECT_EQ(d->credential->password.reveal(), want["password"]);
        }
      }
      // kubelet (an empty auth falls back to the fields, which are empty here)
      {
        auto c = entry_credential_kubelet(e);
        const auto& want = v["kubelet"];
        if (want.contains("error")) {
          ASSERT_FALSE(c.has_value());
          EXPECT_EQ(c.error().message, want["error"]);
        } else if (want.contains("username")) {
          ASSERT_TRUE(c.has_value()) << c.error().message;
          EXPECT_EQ(c->username, want["username"]);
          EXPECT_EQ(c->password.reveal(), want["password"]);
        } else {
          ASSERT_TRUE(c.has_value());
          EXPECT_TRUE(c->username.empty() && c->password.empty());
        }
      }
    });
  }
  EXPECT_EQ(VectorTally::get().run("auth_field_decode"), 13);
}

TEST_F(DockerVectors, KubectlDockerconfigjsonBytes) {
  for (const auto& v : all_["kubectl_docker_registry_secret"]) {
    run_vector("kubectl_docker_registry_secret", v, [&] {
      DockerRegistrySecretSpec spec;
      spec.name = "s";
      spec.server = v["server"];
      spec.username = v["username"];
      spec.password = Secret(v["password"].get<std::string>());
      spec.email = v["email"];
      EXPECT_EQ(kubectl_dockerconfigjson(spec).reveal(), v["dockerconfigjson"].get<std::string>());
    });
  }
}

TEST_F(DockerVectors, KubeletKeyring) {
  for (const auto& v : all_["kubelet_keyring"]["key_normalization"]) {
    run_vector("kubelet_keyring.key_normalization", v, [&] {
      EXPECT_EQ(kubelet_normalize_key(v["config_key"].get<std::string>()), v["keyring_key"]);
    });
  }
  for (const auto& v : all_["kubelet_keyring"]["match"]) {
    run_vector("kubelet_keyring.match", v, [&] {
      EXPECT_EQ(kubelet_urls_match(v["pattern"].get<std::string>(), v["image"].get<std::string>()),
                v["match"].get<bool>());
    });
  }
  for (const auto& v : all_["kubelet_keyring"]["lookup"]) {
    run_vector("kubelet_keyring.lookup", v, [&] {
      const auto keys = v["auths_keys"].get<std::vector<std::string>>();
      KubeletKeyring ring(keys);
      std::vector<std::string> got;
      for (const auto& m : ring.lookup(v["image"].get<std::string>()))
        got.push_back(m.key + (m.default_registry_fallback ? " (default-registry fallback)" : ""));
      EXPECT_EQ(got, v["matched_in_order"].get<std::vector<std::string>>());
    });
  }
}

}  // namespace
}  // namespace regcred::core
