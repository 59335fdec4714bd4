#include "common/core/secret_manifest.hpp"

#include <gtest/gtest.h>

namespace regcred::core {
namespace {

TEST(SecretManifest, MultiDocumentYamlWithStringDataAndOtherKinds) {
  const std::string text = R"(apiVersion: v1
kind: ConfigMap
metadata: {name: not-a-secret}
---
apiVersion: v1
kind: Secret
metadata:
  name: a
  namespace: ns1
  uid: 11111111-2222
  resourceVersion: "42"
  labels: {regcred.io/sync: "true"}
type: kubernetes.io/dockerconfigjson
data:
  .dockerconfigjson: eyJhdXRocyI6e319
stringData:
  note: plain text
---
kind: Secret
metadata: {name: b}
data: {x: "not base64!"}
---
)";
  auto set = parse_secret_manifests(text, "f.yaml");
  ASSERT_TRUE(set.has_value()) << set.error().message;
  EXPECT_TRUE(set->problems.empty());
  ASSERT_EQ(set->secrets.size(), 2U);
  const auto& a = set->secrets[0];
  EXPECT_EQ(a.display_name(), "ns1/a");
  EXPECT_EQ(a.origin, "f.yaml#2");
  EXPECT_EQ(a.uid, "11111111-2222");
  EXPECT_EQ(a.resource_version, "42");
  EXPECT_EQ(a.labels.at("regcred.io/sync"), "true");
  EXPECT_EQ(a.data.at(".dockerconfigjson").reveal(), R"({"auths":{}})");
  EXPECT_EQ(a.data.at("note").reveal(), "plain text");
  EXPECT_TRUE(a.is_pull_secret());
  const auto& b = set->secrets[1];
  EXPECT_EQ(b.type, "Opaque");
  EXPECT_EQ(b.data_error.at("x"), "not base64: illegal base64 data at input byte 3");
}

TEST(SecretManifest, JsonListAndProblems) {
  const std::string text = R"({"kind":"List","items":[
    {"kind":"Secret","metadata":{"name":"ok","namespace":"n"},"type":"kubernetes.io/dockercfg",
     "data":{".dockercfg":"e30="}},
    {"kind":"Secret","metadata":{"namespace":"n"}},
    {"kind":"Secret","metadata":{"name":"x"},"data":["a"]}]})";
  auto set = parse_secret_manifests(text, "l.json");
  ASSERT_TRUE(set.has_value());
  ASSERT_EQ(set->secrets.size(), 1U);
  ASSERT_EQ(set->problems.size(), 2U);
  EXPECT_EQ(set->problems[0].message, "l.json.items[1]: metadata.name: missing");
  EXPECT_EQ(set->problems[1].message, "l.json.items[2]: data: expected a map");
  auto cfg = pull_secret_config(set->secrets[0]);
  ASSERT_TRUE(cfg.has_value());
  EXPECT_TRUE(cfg->auths().empty());
}

TEST(SecretManifest, UnparseableTextFailsWithPosition) {
  auto yaml = parse_secret_manifests("a: [b\nc: d: e", "bad.yaml");
  ASSERT_FALSE(yaml.has_value());
  EXPECT_EQ(yaml.error().message.rfind("bad.yaml: not YAML: line ", 0), 0U) << yaml.error().message;
  auto json = parse_secret_manifests(R"({"kind":"Secret","data":{"p":"s3cr3t-value)", "bad.json");
  ASSERT_FALSE(json.has_value());
  EXPECT_EQ(json.error().message.find("s3cr3t"), std::string::npos);
}

TEST(SecretManifest, PullSecretConfigChecksTypeAndKey) {
  SecretManifest s;
  s.name = "s";
  s.type = std::string(k_type_dockerconfigjson);
  s.data[".dockercfg"] = Secret("{}");
  auto r = pull_secret_config(s);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "type kubernetes.io/dockerconfigjson needs data[.dockerconfigjson]");
  s.data[".dockerconfigjson"] = Secret(R"({"auths":{"r":{"auth":7}}})");
  r = pull_secret_config(s);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, ".dockerconfigjson: auths.r.auth: expected a string, got number");
}

}  // namespace
}  // namespace regcred::core
