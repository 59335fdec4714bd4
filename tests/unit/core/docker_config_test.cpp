#include "common/core/docker_config.hpp"

#include <gtest/gtest.h>

#include "common/core/secret.hpp"

namespace regcred::core {
namespace {

TEST(DockerConfig, KeepsWhatItDoesNotKnow) {
  const std::string in =
      R"({"psFormat":"table {{.ID}}","auths":{"reg.io":{"auth":"dTpw",)"
      R"("x-note":{"a":[1,2]},"email":"e@x"}},"credHelpers":{"gcr.io":"gcloud"},)"
      R"("proxies":{"default":{"httpProxy":"http://p:3128"}}})";
  auto cfg = DockerConfig::parse(in);
  ASSERT_TRUE(cfg.has_value()) << cfg.error().message;
  auto again = DockerConfig::parse(cfg->serialize());
  ASSERT_TRUE(again.has_value());
  const auto out = Json::parse(cfg->serialize());
  EXPECT_EQ(out["psFormat"], "table {{.ID}}");
  EXPECT_EQ(out["credHelpers"]["gcr.io"], "gcloud");
  EXPECT_EQ(out["proxies"]["default"]["httpProxy"], "http://p:3128");
  EXPECT_EQ(out["auths"]["reg.io"]["x-note"]["a"][1], 2);
  EXPECT_EQ(out["auths"]["reg.io"]["email"], "e@x");
  EXPECT_EQ(out["auths"]["reg.io"]["auth"], "dTpw");
  // Key order is kept: a diff of the file shows only what changed.
  EXPECT_EQ(out.begin().key(), "psFormat");
}

// serialize() is assembled from a layout and per-entry texts (so the daemon can re-render one
// entry of a large file); it must print exactly what one nlohmann dump of the document prints.
TEST(DockerConfig, SerializedInPartsReadsAsOneDump) {
  auto whole_dump = [](const DockerConfig& cfg, Format format) {
    Json auths = Json::object();
    for (const auto& e : cfg.auths())
      auths[e.key] = entry_json(e);
    if (format == Format::dockercfg) return auths.dump(1, '\t');
    Json out = cfg.root();
    if (cfg.has_auths_key() || !cfg.auths().empty()) out["auths"] = auths;
    return out.dump(1, '\t');
  };
  const std::vector<std::string> docs = {
      R"({})",
      R"({"auths":{}})",
      R"({"auths":{},"credsStore":"pass"})",
      R"({"psFormat":"x","auths":{"r.io":{"auth":"dTpw","x":{"a":[1,{"b":[]}]}}},"z":"regcred:auths"})",
      R"({"auths":{"r\u00e9g.io":{"auth":"dTpw","email":"\"q\"\n"},"b.io":{}},"c":[{"auths":{}}]})",
      R"({"a":"\"regcred:auths\"","auths":{"k":{"identitytoken":"t"}},"b":"regcred:auths:auths"})",
      R"({"credHelpers":{"gcr.io":"gcloud"}})",
  };
  for (const auto& d : docs) {
    SCOPED_TRACE(d);
    auto cfg = DockerConfig::parse(d);
    ASSERT_TRUE(cfg.has_value()) << cfg.error().message;
    EXPECT_EQ(cfg->serialize(), whole_dump(*cfg, Format::config_json));
    AuthEntry added;
    added.key = "new.io";
    added.username = "u";
    added.password = Secret("p");
    cfg->set(added);
    EXPECT_EQ(cfg->serialize(), whole_dump(*cfg, Format::config_json));
  }
  for (const char* d : {R"({})", R"({"r2":{"auth":"eDp5"},"r1":{"auth":"YTpi","n":{"m":1}}})"}) {
    SCOPED_TRACE(d);
    auto cfg = DockerConfig::parse(d, Format::dockercfg);
    ASSERT_TRUE(cfg.has_value());
    EXPECT_EQ(cfg->serialize(), whole_dump(*cfg, Format::dockercfg));
  }
}

TEST(DockerConfig, AlwaysWritesAuth) {
  DockerConfig cfg;
  AuthEntry e;
  e.key = "reg.io";
  e.username = "user";
  e.password = Secret("pass:word");
  cfg.set(e);
  const auto out = Json::parse(cfg.serialize());
  EXPECT_EQ(out["auths"]["reg.io"]["auth"], "dXNlcjpwYXNzOndvcmQ=");
  EXPECT_FALSE(out["auths"]["reg.io"].contains("password"));
  EXPECT_EQ(cfg.serialize().find('\n', cfg.serialize().size() - 1), std::string::npos);
}

TEST(DockerConfig, SetReplacesInPlaceAndEraseRemoves) {
  auto cfg = DockerConfig::parse(R"({"auths":{"a":{"auth":"dTpw"},"b":{"auth":"dTpw"}}})");
  ASSERT_TRUE(cfg.has_value());
  AuthEntry e;
  e.key = "a";
  e.username = "x";
  e.password = Secret("y");
  cfg->set(e);
  EXPECT_EQ(cfg->auths().front().key, "a");
  EXPECT_EQ(cfg->find("a")->username, "x");
  EXPECT_TRUE(cfg->erase("b"));
  EXPECT_FALSE(cfg->erase("b"));
  EXPECT_EQ(cfg->auths().size(), 1U);
}

TEST(DockerConfig, FieldNamesMatchCaseInsensitivelyAsInGo) {
  auto cfg = DockerConfig::parse(R"({"auths":{"r":{"Username":"u","PASSWORD":"p"}}})");
  ASSERT_TRUE(cfg.has_value());
  auto c = entry_credential_kubelet(cfg->auths().at(0));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->username, "u");
  EXPECT_EQ(c->password.reveal(), "p");
}

TEST(DockerConfig, ErrorsNameTheFieldAndNeverTheValue) {
  auto bad_type = DockerConfig::parse(R"({"auths":{"reg.io":{"email":false}}})");
  ASSERT_FALSE(bad_type.has_value());
  EXPECT_EQ(bad_type.error().message, "auths.reg.io.email: expected a string, got boolean");
  auto truncated = DockerConfig::parse(R"({"auths":{"reg.io":{"password":"hunter2-secret)");
  ASSERT_FALSE(truncated.has_value());
  EXPECT_EQ(truncated.error().message.find("hunter2"), std::string::npos)
      << truncated.error().message;
  auto not_object = DockerConfig::parse("[]");
  ASSERT_FALSE(not_object.has_value());
  EXPECT_EQ(not_object.error().message, "expected a JSON object, got array");
}

TEST(DockerConfig, AuthsKeepTheirOrderAndADuplicateKeyItsFirstPlace) {
  // Parsed without ordered_json's linear key search (10,000 registries took 0.2 s); the result
  // is the one nlohmann's operator[] gave: first place, last value.
  auto cfg = DockerConfig::parse(
      R"({"b":1,"auths":{"z.io":{"auth":"eDp5"},"a.io":{"auth":"YTpi"},"z.io":{"auth":"ejp6"}},"c":[{"auths":{"q":{}}}]})");
  ASSERT_TRUE(cfg.has_value()) << cfg.error().message;
  ASSERT_EQ(cfg->auths().size(), 2U);
  EXPECT_EQ(cfg->auths()[0].key, "z.io");
  EXPECT_EQ(cfg->auths()[0].auth.reveal(), "ejp6");
  EXPECT_EQ(cfg->auths()[1].key, "a.io");
  EXPECT_EQ(cfg->serialize(),
            "{\n\t\"b\": 1,\n\t\"auths\": {\n\t\t\"z.io\": {\n\t\t\t\"auth\": \"ejp6\"\n\t\t},"
            "\n\t\t\"a.io\": {\n\t\t\t\"auth\": \"YTpi\"\n\t\t}\n\t},\n\t\"c\": [\n\t\t{\n"
            "\t\t\t\"auths\": {\n\t\t\t\t\"q\": {}\n\t\t\t}\n\t\t}\n\t]\n}");
  auto legacy =
      DockerConfig::parse(R"({"r2":{"auth":"eDp5"},"r1":{"auth":"YTpi"}})", Format::dockercfg);
  ASSERT_TRUE(legacy.has_value());
  ASSERT_EQ(legacy->auths().size(), 2U);
  EXPECT_EQ(legacy->auths()[0].key, "r2");
  EXPECT_FALSE(DockerConfig::parse(R"({"auths":[1]})").has_value());
  EXPECT_EQ(DockerConfig::parse(R"({"auths":{"r":{"auth":1e999}}})").error().message,
            "not JSON: a value out of range");
}

TEST(Secret, PrintsRedacted) {
  std::ostringstream os;
  os << Secret("hunter2");
  EXPECT_EQ(os.str(), "<redacted>");
  // No implicit JSON conversion: a Secret cannot be dropped into a JSON document by accident.
  static_assert(!std::is_constructible_v<Json, Secret>);
  static_assert(!std::is_convertible_v<Secret, std::string>);
}

}  // namespace
}  // namespace regcred::core

namespace regcred::core {
namespace {

// Found by the dockercfg fuzz target: a number beyond a double made nlohmann throw
// out_of_range, which escaped the parse_error handler and aborted the process.
TEST(DockerConfigParse, ANumberTooLargeIsAnErrorNotACrash) {
  auto r = DockerConfig::parse("666666666666666666666666e671uoi}}", Format::dockercfg);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "not JSON: a value out of range");
  EXPECT_FALSE(DockerConfig::parse(R"({"auths":{"r":{"auth":1e999}}})").has_value());
}

}  // namespace
}  // namespace regcred::core
