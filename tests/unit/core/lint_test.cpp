// Lint: every fixture in examples/broken/ reports exactly the codes its '# lint:' lines list;
// the good examples and a secret built as kubectl builds it report nothing; no line ever
// contains a password.
#include "common/core/lint.hpp"

#include <filesystem>
#include <fstream>
#include <set>

#include <gtest/gtest.h>

#include "common/core/go/encoding.hpp"
#include "common/core/kubectl_secret.hpp"

namespace regcred::core {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

std::multiset<std::string> expected_codes(const std::string& text) {
  std::multiset<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("# lint: ")) out.insert(line.substr(8));
  return out;
}

struct Linted {
  std::multiset<std::string> codes;
  std::vector<std::string> lines;
};

Linted lint_text(const std::string& text, const std::string& origin) {
  Linted out;
  auto set = parse_secret_manifests(text, origin);
  EXPECT_TRUE(set.has_value()) << set.error().message;
  if (!set) return out;
  EXPECT_TRUE(set->problems.empty()) << set->problems.front().message;
  for (const auto& s : set->secrets) {
    for (const auto& p : lint_pull_secret(s)) {
      out.codes.insert(std::string(p.code));
      out.lines.push_back(format_lint_line(s, p));
    }
  }
  return out;
}

// The fixtures' made-up passwords; none may appear in any lint line.
const std::vector<std::string> k_fixture_passwords = {"made-up-pw-42",
                                                      "made-up-pw-43",
                                                      "made-up-pw-44",
                                                      "made-up-hub-token-0001",
                                                      "N0t-a-real-Pa55",
                                                      "MADEUPROBOTTOKEN0123456789",
                                                      "ghp_madeUpTokenForExamples000",
                                                      "made-up-legacy-pw"};

TEST(Lint, EveryBrokenExampleReportsExactlyItsCodes) {
  std::set<std::string> covered;
  int fixtures = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(REGCRED_EXAMPLES_DIR) / "broken")) {
    SCOPED_TRACE(entry.path().filename().string());
    const std::string text = read(entry.path());
    const auto want = expected_codes(text);
    ASSERT_FALSE(want.empty()) << "fixture without '# lint:' lines";
    const auto got = lint_text(text, entry.path().filename().string());
    EXPECT_EQ(got.codes, want);
    for (const auto& line : got.lines)
      for (const auto& pw : k_fixture_passwords)
        EXPECT_EQ(line.find(pw), std::string::npos) << line;
    covered.insert(want.begin(), want.end());
    ++fixtures;
  }
  // One fixture at least for every problem the issue lists.
  for (std::string_view code :
       {lint_code::not_base64,     lint_code::not_json,        lint_code::not_compact,
        lint_code::no_auths,       lint_code::auth_mismatch,   lint_code::trailing_newline,
        lint_code::username_colon, lint_code::empty_key,       lint_code::malformed_key,
        lint_code::ambiguous_key,  lint_code::unpadded_base64, lint_code::duplicate_registry,
        lint_code::wrong_format,   lint_code::wrong_data_key,  lint_code::not_pull_secret,
        lint_code::bad_auth,       lint_code::empty_username,  lint_code::control_character,
        lint_code::missing_data,   lint_code::no_credentials})
    EXPECT_TRUE(covered.contains(std::string(code))) << "no fixture for " << code;
  EXPECT_GE(fixtures, 20);
}

TEST(Lint, GoodExamplesAreClean) {
  for (const char* name : {"regcred.yaml", "multi.yaml", "list.json"}) {
    SCOPED_TRACE(name);
    const auto got = lint_text(read(fs::path(REGCRED_EXAMPLES_DIR) / name), name);
    EXPECT_TRUE(got.codes.empty()) << got.lines.front();
  }
}

TEST(Lint, KubectlBuiltSecretPassesAndItsPrettyTwinFailsCompact) {
  DockerRegistrySecretSpec spec;
  spec.name = "regcred";
  spec.namespace_ = "tag";
  spec.server = "csmssim01:80";
  spec.username = "tagbuilder";
  spec.password = Secret("N0t-a-real-Pa55");
  spec.email = "builder@example.com";
  const std::string built = render_docker_registry_secret(spec, OutputFormat::yaml);
  EXPECT_TRUE(lint_text(built, "built").codes.empty());

  // The same credentials, the JSON pretty-printed (what base64 < ~/.docker/config.json gives).
  const auto compact = Json::parse(kubectl_dockerconfigjson(spec).reveal());
  const std::string pretty = base64_encode(compact.dump(1, '\t'));
  std::string manifest = built;
  const auto at = manifest.find(".dockerconfigjson: ") + 19;
  manifest.replace(at, manifest.find('\n', at) - at, pretty);
  const auto got = lint_text(manifest, "pretty");
  EXPECT_EQ(got.codes, std::multiset<std::string>{"not-compact"});
}

}  // namespace
}  // namespace regcred::core
