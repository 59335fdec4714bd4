// kubelet's credential provider protocol: the provider-protocol kinds of keyring-vectors.json
// (encode_request, decode_response, cache keys, token and config hashes, config validation and
// read errors), Go durations, the answers over a credential table, service account claims, and
// the CredentialProviderConfig the package ships.
#include "common/core/provider.hpp"

#include <fstream>
#include <set>

#include "common/core/answer.hpp"
#include "common/core/go/encoding.hpp"
#include "common/core/match.hpp"
#include "common/core/provider_config.hpp"
#include "tests/support/vectors.hpp"

namespace regcred::core {
namespace {

using nlohmann::json;
using regcred::testing::run_vector;
using regcred::testing::VectorTally;

const std::set<std::string> k_provider_kinds = {
    "encode_request", "decode_response", "cache_key",       "sa_cache_key",
    "token_hash",     "config_hash",     "config_validate", "config_read_error"};

std::string to_hex(std::string_view s) {
  static constexpr std::string_view hex = "0123456789abcdef";
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    out += hex[c >> 4U];
    out += hex[c & 0xFU];
  }
  return out;
}

// The YAML kubelet would read for a config_validate vector's providers.
ProviderConfig config_of(const json& providers) {
  ProviderConfig cfg;
  for (const auto& p : providers) {
    ProviderConfigEntry e;
    e.name = p.value("name", "");
    e.match_images = p.value("matchImages", std::vector<std::string>{});
    if (p.contains("defaultCacheDuration")) e.default_cache_duration = p["defaultCacheDuration"];
    e.api_version = p.value("apiVersion", "");
    if (p.contains("tokenAttributes")) {
      const auto& t = p["tokenAttributes"];
      TokenAttributes ta;
      ta.audience = t.value("serviceAccountTokenAudience", "");
      ta.cache_type = t.value("cacheType", "");
      if (t.contains("requireServiceAccount"))
        ta.require_service_account = t["requireServiceAccount"];
      e.token_attributes = ta;
    }
    cfg.providers.push_back(std::move(e));
  }
  return cfg;
}

// config_read_error vectors name the upstream case; these are the files those cases read.
Result<ProviderConfig> read_error_case(const std::string& source) {
  const std::string v1 =
      "kind: CredentialProviderConfig\napiVersion: kubelet.config.k8s.io/v1\nproviders:\n"
      "  - name: test\n    matchImages: [\"registry.io/foobar\"]\n    defaultCacheDuration: 10m\n"
      "    apiVersion: credentialprovider.kubelet.k8s.io/v1\n";
  auto with_version = [&](const std::string& version, const std::string& extra) {
    std::string t = v1;
    t.replace(t.find("kubelet.config.k8s.io/v1"), 24, version);
    return t + extra;
  };
  const std::string token =
      "    tokenAttributes:\n      serviceAccountTokenAudience: aud\n      cacheType: Token\n"
      "      requireServiceAccount: true\n";
  if (source.ends_with("config with invalid typo")) {
    return decode_provider_config(v1 + "    unknownField: true\n");
  }
  if (source.ends_with("v1alpha1 config with token attributes should fail")) {
    return decode_provider_config(with_version("kubelet.config.k8s.io/v1alpha1", token));
  }
  if (source.ends_with("v1beta1 config with token attributes should fail")) {
    return decode_provider_config(with_version("kubelet.config.k8s.io/v1beta1", token));
  }
  if (source.ends_with("config with wrong Kind")) {
    std::string t = with_version("kubelet.config.k8s.io/v1alpha1", "");
    t.replace(t.find("CredentialProviderConfig"), 24, "WrongKind");
    return decode_provider_config(t);
  }
  if (source.ends_with("config with wrong apiversion")) {
    return decode_provider_config(with_version("foobar/v1alpha1", ""));
  }
  if (source.ends_with("directory with duplicate provider names, throw error")) {
    std::string dup = v1;
    dup.replace(dup.find("name: test"), 10, "name: duplicate");
    return read_provider_config_dir("/etc/kubernetes/cp", {{"a.yaml", dup}, {"b.yaml", dup}});
  }
  if (source.ends_with("empty directory with no JSON or YAML files")) {
    return read_provider_config_dir("/etc/kubernetes/cp",
                                    {{"README.txt", "x"}, {"sub.yaml", "", true}});
  }
  ADD_FAILURE() << "no input written for " << source;
  return fail(Code::internal, "");
}

TEST(ProviderVectors, EveryProviderKindPasses) {
  const json all = regcred::testing::load_json("keyring-vectors.json");
  for (const auto& v : all) {
    const std::string kind = v["kind"];
    if (!k_provider_kinds.contains(kind)) continue;
    run_vector("provider." + kind, v, [&] {
      if (kind == "encode_request") {
        ProviderRequest r;
        r.api_version = v["apiVersion"];
        r.image = v["request"]["image"];
        r.service_account_token = Secret(v["request"].value("serviceAccountToken", ""));
        if (v["request"].contains("serviceAccountAnnotations")) {
          r.service_account_annotations = v["request"]["serviceAccountAnnotations"];
        }
        const std::string bytes = encode_provider_request(r);
        EXPECT_EQ(bytes, v["expect"].get<std::string>());
        // And the provider reads those bytes back as kubelet meant them.
        auto back = parse_provider_request(bytes);
        ASSERT_TRUE(back.has_value()) << back.error().message;
        EXPECT_EQ(back->image, r.image);
        EXPECT_EQ(back->api_version, r.api_version);
        EXPECT_EQ(back->service_account_token, r.service_account_token);
        EXPECT_EQ(back->service_account_annotations, r.service_account_annotations);
      } else if (kind == "decode_response") {
        const std::string input = v["input"];
        const json in = json::parse(input);
        auto d = decode_provider_response(input, in["apiVersion"].get<std::string>());
        if (v["fail"].get<bool>()) {
          EXPECT_FALSE(d.has_value());
          return;
        }
        ASSERT_TRUE(d.has_value()) << d.error().message;
        EXPECT_EQ(d->response.cache_key_type, v["expect"]["cacheKeyType"]);
        ASSERT_TRUE(d->cache_duration.has_value());
        EXPECT_EQ(d->cache_duration->count(),
                  v["expect"]["cacheDurationSeconds"].get<std::int64_t>() * 1000000000);
        json auth = json::object();
        for (const auto& [k, a] : d->response.auth)
          auth[k] = {{"username", a.username}, {"password", a.password.reveal()}};
        EXPECT_EQ(auth, v["expect"]["auth"]);
        // Our encoder writes what kubelet decodes to the same thing.
        auto again = decode_provider_response(encode_provider_response(d->response),
                                              d->response.api_version);
        ASSERT_TRUE(again.has_value()) << again.error().message;
        EXPECT_EQ(again->response.auth.size(), d->response.auth.size());
      } else if (kind == "cache_key") {
        const std::string k = kubelet_cache_key(v["baseKey"].get<std::string>(),
                                                v["serviceAccountCacheKey"].get<std::string>());
        EXPECT_EQ(to_hex(k), v["expect_hex"]);
        EXPECT_EQ(k, v["expect"].get<std::string>());
      } else if (kind == "sa_cache_key") {
        std::map<std::string, std::string> ann;
        if (v["annotations"].is_object()) ann = v["annotations"];
        const bool token = v["cacheType"].is_string() && v["cacheType"] == "Token";
        const std::string k = kubelet_sa_cache_key(
            v["namespace"].get<std::string>(), v["serviceAccountName"].get<std::string>(),
            v["serviceAccountUID"].get<std::string>(), ann,
            token ? v["saTokenHash"].get<std::string>() : "");
        EXPECT_EQ(to_hex(k), v["expect_hex"]);
      } else if (kind == "token_hash") {
        EXPECT_EQ(kubelet_token_hash(v["input"].get<std::string>()), v["expect"]);
        EXPECT_EQ(kubelet_token_hash(""), "");
      } else if (kind == "config_hash") {
        EXPECT_EQ(kubelet_config_hash(v["files"].get<std::vector<std::string>>()), v["expect"]);
        // Each file is also a config kubelet accepts.
        for (const auto& f : v["files"]) {
          auto cfg = decode_provider_config(f.get<std::string>());
          ASSERT_TRUE(cfg.has_value()) << cfg.error().message;
          EXPECT_TRUE(validate_provider_config(*cfg).has_value());
        }
      } else if (kind == "config_validate") {
        auto r = validate_provider_config(config_of(v["providers"]),
                                          v.value("saTokenFeatureGate", true));
        if (v.value("expect_valid", false)) {
          EXPECT_TRUE(r.has_value()) << r.error().message;
        } else {
          ASSERT_FALSE(r.has_value());
          EXPECT_NE(r.error().message.find(v["expect_error_contains"].get<std::string>()),
                    std::string::npos)
              << r.error().message;
        }
      } else if (kind == "config_read_error") {
        auto r = read_error_case(v["source"]);
        ASSERT_FALSE(r.has_value());
        EXPECT_NE(r.error().message.find(v["expect_error_contains"].get<std::string>()),
                  std::string::npos)
            << r.error().message;
      }
    });
  }
  for (const auto& kind : k_provider_kinds)
    EXPECT_GT(VectorTally::get().run("provider." + kind), 0) << kind << " ran no vector";
  VectorTally::get().print();
}

class PackagedConfig : public ::testing::TestWithParam<const char*> {};

TEST_P(PackagedConfig, IsOneKubeletAccepts) {
  std::ifstream f(std::string(REGCRED_SOURCE_DIR) + "/packaging/kubelet/" + GetParam());
  ASSERT_TRUE(f.good()) << GetParam();
  std::string text{std::istreambuf_iterator<char>(f), {}};
  auto cfg = decode_provider_config(text);
  ASSERT_TRUE(cfg.has_value()) << cfg.error().message;
  auto valid = validate_provider_config(*cfg);
  EXPECT_TRUE(valid.has_value()) << valid.error().message;
  ASSERT_EQ(cfg->providers.size(), 1U);
  const auto& p = cfg->providers[0];
  EXPECT_EQ(p.name, "regcred-credential-provider");  // the binary's name in the bin dir
  EXPECT_EQ(p.api_version, k_provider_v1);
  // Every registry host shape (1 to 6 labels, and the ports the README lists) is covered.
  for (const char* image : {"localhost/a", "docker.io/library/nginx", "registry.k8s.io/pause",
                            "a.b.c.d/x", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app"}) {
    bool any = false;
    for (const auto& m : p.match_images)
      any = any || kubelet_urls_match(m, image);
    EXPECT_TRUE(any) << image;
  }
  if (p.token_attributes) {
    EXPECT_EQ(p.token_attributes->cache_type, "ServiceAccount");
    EXPECT_EQ(p.token_attributes->require_service_account, false);
  }
}

INSTANTIATE_TEST_SUITE_P(Files, PackagedConfig,
                         ::testing::Values("credential-provider-config.yaml",
                                           "credential-provider-config-namespaced.yaml"));

TEST(GoDuration, ParsesAndPrintsAsGoDoes) {
  EXPECT_EQ(parse_go_duration("1m")->count(), 60000000000);
  EXPECT_EQ(parse_go_duration("1h30m")->count(), 5400000000000);
  EXPECT_EQ(parse_go_duration("21.6\u00b5s")->count(), 21600);
  EXPECT_EQ(parse_go_duration("0")->count(), 0);
  EXPECT_FALSE(parse_go_duration("1d").has_value());
  EXPECT_FALSE(parse_go_duration("10").has_value());
  EXPECT_FALSE(parse_go_duration("").has_value());
  using std::chrono::nanoseconds;
  EXPECT_EQ(format_go_duration(nanoseconds(0)), "0s");
  EXPECT_EQ(format_go_duration(nanoseconds(60000000000)), "1m0s");
  EXPECT_EQ(format_go_duration(nanoseconds(43200000000000)), "12h0m0s");
  EXPECT_EQ(format_go_duration(nanoseconds(1500000000)), "1.5s");
  EXPECT_EQ(format_go_duration(nanoseconds(21600)), "21.6\u00b5s");
  EXPECT_EQ(format_go_duration(nanoseconds(-60000000000)), "-1m0s");
}

std::string jwt(const json& claims) {
  auto b64url = [](std::string s) {
    s = base64_encode(s);
    for (auto& c : s) {
      if (c == '+') c = '-';
      if (c == '/') c = '_';
    }
    while (!s.empty() && s.back() == '=')
      s.pop_back();
    return s;
  };
  return b64url(R"({"alg":"RS256","kid":"k"})") + "." + b64url(claims.dump()) + ".c2ln";
}

TEST(ServiceAccountClaims, BoundTokenGivesItsNamespace) {
  const json claims = {{"aud", {"regcred"}},
                       {"sub", "system:serviceaccount:team-a:default"},
                       {"exp", 2000000000},
                       {"kubernetes.io",
                        {{"namespace", "team-a"},
                         {"pod", {{"name", "web-0"}, {"uid", "p1"}}},
                         {"serviceaccount", {{"name", "default"}, {"uid", "sa1"}}}}}};
  auto c = service_account_claims(Secret(jwt(claims)));
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->namespace_, "team-a");
  EXPECT_EQ(c->name, "default");
  EXPECT_EQ(c->uid, "sa1");
  EXPECT_EQ(c->pod, "web-0");

  ProviderRequest r{std::string(k_provider_v1), "reg.io/a", Secret(jwt(claims)), {}};
  EXPECT_EQ(request_namespace(r, 1900000000).value(), std::optional<std::string>("team-a"));
  auto expired = request_namespace(r, 2000000001);
  ASSERT_FALSE(expired.has_value());
  EXPECT_EQ(expired.error().message, "serviceAccountToken: expired");
}

TEST(ServiceAccountClaims, CraftedTokensAreRefused) {
  // sub and the kubernetes.io claims disagree: someone edited one of them.
  json forged = {{"sub", "system:serviceaccount:team-b:default"},
                 {"kubernetes.io", {{"namespace", "team-a"}}}};
  EXPECT_FALSE(service_account_claims(Secret(jwt(forged))).has_value());
  EXPECT_FALSE(service_account_claims(Secret("not-a-jwt")).has_value());
  EXPECT_FALSE(service_account_claims(Secret("a.%%%.c")).has_value());
  EXPECT_FALSE(service_account_claims(Secret(jwt({{"sub", "user:alice"}}))).has_value());
  // The message never quotes the token.
  auto e = service_account_claims(Secret("secret-token-text"));
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().message.find("secret-token-text"), std::string::npos);
}

CredentialTable table(std::initializer_list<std::pair<const char*, const char*>> entries) {
  CredentialTable t;
  for (const auto& [key, user] : entries)
    t.push_back({key, Credential{user, Secret(std::string(user) + "-pw"), {}}, key, "ns/s"});
  return t;
}

TEST(ProviderAnswer, EveryMatchingKeyAndTheCacheKeyTypeItAllows) {
  auto t = table({{"https://index.docker.io/v1/", "hub"},
                  {"reg.io", "host"},
                  {"reg.io/team", "team"},
                  {"*.other.io", "glob"}});
  auto a = provider_answer(t, "reg.io/team/app", k_provider_v1, "1m0s");
  EXPECT_EQ(a.response.auth.size(), 2U);
  EXPECT_EQ(a.response.auth.at("reg.io/team").username, "team");
  EXPECT_EQ(a.response.auth.at("reg.io").username, "host");
  EXPECT_EQ(a.first_key, "reg.io/team");
  // reg.io has a path-specific key: this answer must not be reused for reg.io/other.
  EXPECT_EQ(a.response.cache_key_type, "Image");
  EXPECT_EQ(a.response.cache_duration, "1m0s");

  auto hub = provider_answer(t, "docker.io/library/nginx", k_provider_v1beta1, "1m0s");
  EXPECT_EQ(hub.response.auth.at("index.docker.io").username, "hub");
  EXPECT_EQ(hub.response.cache_key_type, "Registry");
  EXPECT_EQ(hub.response.api_version, k_provider_v1beta1);

  auto glob = provider_answer(t, "x.other.io/a", k_provider_v1, "1m0s");
  EXPECT_EQ(glob.response.auth.at("*.other.io").username, "glob");

  auto none = provider_answer(t, "quay.io/a", k_provider_v1, "1m0s");
  EXPECT_TRUE(none.response.auth.empty());
  EXPECT_EQ(none.response.cache_duration, "0s");  // no negative caching

  // kubelet decodes what we print, strictly, and its keyring finds the same credential.
  auto d = decode_provider_response(encode_provider_response(a.response), k_provider_v1);
  ASSERT_TRUE(d.has_value()) << d.error().message;
}

TEST(ProviderRequest, UnknownVersionsAndKindsAreRefusedByName) {
  auto r = parse_provider_request(
      R"({"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v2","image":"a"})");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("apiVersion \"credentialprovider.kubelet.k8s.io/v2\""),
            std::string::npos);
  r = parse_provider_request(
      R"({"kind":"CredentialProviderResponse","apiVersion":"credentialprovider.kubelet.k8s.io/v1","image":"a"})");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("kind \"CredentialProviderResponse\""), std::string::npos);
  EXPECT_FALSE(parse_provider_request("{").has_value());
  EXPECT_FALSE(
      parse_provider_request(
          R"({"kind":"CredentialProviderRequest","apiVersion":"credentialprovider.kubelet.k8s.io/v1"})")
          .has_value());
}

}  // namespace
}  // namespace regcred::core
