// The docker credential helper protocol pieces and the helper's key rule. The server vectors of
// docker-vectors.json run against the real binary (tests/integration/helper_protocol_test.sh).
#include "common/core/credential_helper.hpp"

#include <gtest/gtest.h>

#include "common/core/answer.hpp"
#include "common/core/go/json_scanner.hpp"

namespace regcred::core::helper {
namespace {

std::string scan_error(std::string_view in) {
  auto r = go_json_scan_value(in);
  return r ? "ok" : r.error().message;
}

TEST(GoJsonScan, ErrorTextsAreGos) {
  EXPECT_EQ(scan_error("not json"), "invalid character 'o' in literal null (expecting 'u')");
  EXPECT_EQ(scan_error(""), "EOF");
  EXPECT_EQ(scan_error(" \n\t"), "EOF");
  EXPECT_EQ(scan_error("{\"a\":"), "unexpected EOF");
  EXPECT_EQ(scan_error("x"), "invalid character 'x' looking for beginning of value");
  EXPECT_EQ(scan_error("{a}"), "invalid character 'a' looking for beginning of object key string");
  EXPECT_EQ(scan_error("{\"a\" 1}"), "invalid character '1' after object key");
  EXPECT_EQ(scan_error("{\"a\":1 2}"), "invalid character '2' after object key:value pair");
  EXPECT_EQ(scan_error("[1 2]"), "invalid character '2' after array element");
  EXPECT_EQ(scan_error("\"a\nb\""), "invalid character '\\n' in string literal");
  EXPECT_EQ(scan_error("\"\\x\""), "invalid character 'x' in string escape code");
  EXPECT_EQ(scan_error("-x"), "invalid character 'x' in numeric literal");
  EXPECT_EQ(scan_error("1.x"), "invalid character 'x' after decimal point in numeric literal");
  EXPECT_EQ(scan_error("tru"), "unexpected EOF");
  EXPECT_EQ(scan_error("{\"a\":1} trailing"), "ok");
  EXPECT_EQ(go_json_scan_value("{\"a\":1} trailing").value(), 7U);
  EXPECT_EQ(go_json_scan_value("123").value(), 3U);
  EXPECT_EQ(go_json_scan_value("null x").value(), 4U);
}

TEST(JoinLines, AsBufioScannerReadsThem) {
  EXPECT_EQ(join_lines("a\nb\r\nc").value(), "abc");
  EXPECT_EQ(join_lines("x\r\r\n").value(), "x\r");
  EXPECT_EQ(join_lines(std::string(65535, 'a')).value().size(), 65535U);
  auto too_long = join_lines(std::string(65536, 'a'));
  ASSERT_FALSE(too_long.has_value());
  EXPECT_EQ(too_long.error().message, "bufio.Scanner: token too long");
}

TEST(ParseStore, LenientAsGoButValidatedInOrder) {
  auto c = parse_store(R"({"serverurl":"r.io","USERNAME":"u","secret":"s","x":[1]} junk)");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->server_url, "r.io");
  EXPECT_EQ(c->username, "u");
  EXPECT_EQ(c->secret.reveal(), "s");
  EXPECT_EQ(parse_store(R"({"Username":"u"})").error().message, k_missing_server);
  EXPECT_EQ(parse_store(R"({"ServerURL":"r"})").error().message, k_missing_username);
  EXPECT_EQ(parse_store("null").error().message, k_missing_server);
  EXPECT_EQ(parse_store(R"({"ServerURL":5,"Username":"u"})").error().message,
            "json: cannot unmarshal number into Go struct field Credentials.ServerURL of type "
            "string");
  EXPECT_EQ(parse_store(R"("s")").error().message,
            "json: cannot unmarshal string into Go value of type credentials.Credentials");
  // Invalid UTF-8 becomes U+FFFD, as Go's decoder does.
  auto bad = parse_store("{\"ServerURL\":\"r\",\"Username\":\"u\xff\"}");
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->username, "u\xEF\xBF\xBD");
}

TEST(RegistryOf, EveryDockerHubSpellingIsOne) {
  for (const char* s :
       {"https://index.docker.io/v1/", "https://index.docker.io/v1", "index.docker.io", "docker.io",
        "registry-1.docker.io", "https://registry-1.docker.io/v2/", "DOCKER.IO", " docker.io\n"}) {
    EXPECT_EQ(registry_of(s), "docker.io") << s;
  }
  EXPECT_EQ(registry_of("https://reg.example.com:5000/v2/?x=1"), "reg.example.com:5000");
  EXPECT_EQ(registry_of("http://reg.example.com"), "reg.example.com");
  EXPECT_EQ(registry_of("quay.io/org"), std::nullopt);
  EXPECT_EQ(registry_of("https://index.docker.io/v1/access-token"), std::nullopt);
  EXPECT_EQ(registry_of(""), std::nullopt);
}

TEST(HelperIndex, PrecedenceThenKeyAndListOnlyWhatGetAnswers) {
  auto entry = [](const char* key, const char* rank) {
    return TableEntry{key, Credential{key, Secret("pw"), {}}, rank, "ns/s"};
  };
  CredentialTable t = {entry("docker.io", "b"), entry("https://index.docker.io/v1/", "a"),
                       entry("quay.io/org", "a"), entry("reg.io:5000", "c")};
  HelperIndex index(t);
  ASSERT_NE(index.get("registry-1.docker.io"), nullptr);
  EXPECT_EQ(index.get("registry-1.docker.io")->key, "https://index.docker.io/v1/");
  EXPECT_EQ(index.get("quay.io"), nullptr);  // a namespace key is kubelet's, not docker's
  ASSERT_NE(index.get("https://reg.io:5000"), nullptr);
  auto l = index.list();
  ASSERT_EQ(l.size(), 2U);
  EXPECT_EQ(l.at("https://index.docker.io/v1/"), "https://index.docker.io/v1/");
  EXPECT_EQ(l.at("reg.io:5000"), "reg.io:5000");
  for (const auto& [key, user] : l) {
    ASSERT_NE(index.get(key), nullptr) << key;
    EXPECT_EQ(index.get(key)->credential.username, user);
  }
}

TEST(LocalStore, StoreReplacesPerRegistryEraseRemovesEverySpelling) {
  auto local = DockerConfig::parse("{}").value();
  ASSERT_TRUE(store_local(local, {"https://index.docker.io/v1/", "a", Secret("1")}).has_value());
  ASSERT_TRUE(store_local(local, {" docker.io ", "b", Secret("2")}).has_value());
  ASSERT_TRUE(store_local(local, {"r.io", "<token>", Secret("tok")}).has_value());
  EXPECT_FALSE(store_local(local, {"quay.io/org", "u", Secret("p")}).has_value());
  auto t = local_table(local);
  ASSERT_EQ(t.size(), 2U);
  const TableEntry* hub = helper_get(t, "index.docker.io");
  ASSERT_NE(hub, nullptr);
  EXPECT_EQ(hub->key, "docker.io");
  EXPECT_EQ(hub->credential.username, "b");
  const TableEntry* tok = helper_get(t, "r.io");
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->credential.identitytoken.reveal(), "tok");
  EXPECT_EQ(helper_list(t).at("r.io"), "<token>");
  EXPECT_TRUE(erase_local(local, "https://registry-1.docker.io/"));
  EXPECT_FALSE(erase_local(local, "docker.io"));
  EXPECT_EQ(local_table(local).size(), 1U);
  // A token is not user:password: no `auth` for it in the file.
  EXPECT_EQ(local.serialize().find("\"auth\""), std::string::npos);
}

}  // namespace
}  // namespace regcred::core::helper
