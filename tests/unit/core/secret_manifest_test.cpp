#include "common/core/secret_manifest.hpp"

#include <gtest/gtest.h>

#include "common/core/limits.hpp"

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

// yaml-cpp 0.7's LoadAll loops for ever on a token no node can start with (jbeder/yaml-cpp#1319);
// the fuzz target found one in a 602-byte manifest. Each of these returned no answer before, and
// ran until the memory was gone.
TEST(SecretManifest, YamlThatLoopsYamlCppIsAnErrorWithItsPlace) {
  for (const char* text : {",\n", "a: 1\n---\n,\n", "\n,\n"}) {
    auto set = parse_secret_manifests(text, "loop.yaml");
    ASSERT_FALSE(set.has_value()) << text;
    EXPECT_EQ(set.error().message.rfind("loop.yaml: not YAML: line ", 0), 0U)
        << set.error().message;
  }
  // Empty documents between others are not that: every secret is kept.
  auto set = parse_secret_manifests(
      "---\nkind: Secret\nmetadata: {name: a}\n---\n---\n...\n---\nkind: Secret\nmetadata: "
      "{name: b}\n",
      "gaps.yaml");
  ASSERT_TRUE(set.has_value()) << set.error().message;
  ASSERT_EQ(set->secrets.size(), 2U);
  EXPECT_EQ(set->secrets[1].name, "b");
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

// Limits on what comes from outside: each past its bound is a rejection that names the
// bound; one below it is accepted.
std::string auths_of(std::size_t n) {
  std::string j = R"({"auths":{)";
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) j += ',';
    j += "\"r" + std::to_string(i) + R"(.example":{"auth":"dTpw"})";
  }
  return j + "}}";
}

TEST(SecretManifest, RegistriesPerSecretAreBounded) {
  SecretManifest s;
  s.name = "many";
  s.type = std::string(k_type_dockerconfigjson);
  s.data[".dockerconfigjson"] = Secret(auths_of(k_max_registries_per_secret));
  auto r = pull_secret_config(s);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->auths().size(), k_max_registries_per_secret);
  s.data[".dockerconfigjson"] = Secret(auths_of(k_max_registries_per_secret + 1));
  r = pull_secret_config(s);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message,
            "data[.dockerconfigjson]: 1001 registries; at most 1000 in one secret");
}

TEST(SecretManifest, SecretDataAreBoundedAsTheApiServerBoundsThem) {
  SecretManifest s;
  s.name = "big";
  s.type = std::string(k_type_dockerconfigjson);
  s.data[".dockerconfigjson"] = Secret(auths_of(1));
  s.data["padding"] = Secret(std::string(k_max_secret_data, 'x'));
  auto r = pull_secret_config(s);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message.rfind("data: 1048", 0), 0U) << r.error().message;
  EXPECT_NE(r.error().message.find("at most 1048576 in one secret"), std::string::npos);
}

TEST(SecretManifest, NestingDepthIsBounded) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  SecretManifest s;
  s.name = "deep";
  s.type = std::string(k_type_dockerconfigjson);
  s.data[".dockerconfigjson"] = Secret(R"({"auths":{},"x":)" + deep + "}");
  auto r = pull_secret_config(s);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, ".dockerconfigjson: JSON nested deeper than 64 levels");
  // A manifest in --secrets-dir, as JSON.
  auto set = parse_secret_manifests(R"({"kind":"Secret","metadata":{"name":"a"},"x":)" + deep + "}",
                                    "deep.json");
  ASSERT_FALSE(set.has_value());
  EXPECT_EQ(set.error().message, "deep.json: JSON nested deeper than 64 levels");
  // Brackets inside strings are text, and 64 levels are fine.
  EXPECT_FALSE(json_deeper_than(
      R"({"a":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"[["})"));
  EXPECT_FALSE(json_deeper_than(std::string(64, '[') + std::string(64, ']')));
  EXPECT_TRUE(json_deeper_than(std::string(65, '[')));
}

}  // namespace
}  // namespace regcred::core
