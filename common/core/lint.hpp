// lint.hpp: the checks an operator would run by hand on a pull secret, each with a stable code
// and one line of text. No message ever contains a password, an auth or a token. Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/core/secret_manifest.hpp"

namespace regcred::core {

// Stable codes (docs/lint.md explains each one; scripts may match on them).
namespace lint_code {
inline constexpr std::string_view not_pull_secret = "not-pull-secret";
inline constexpr std::string_view wrong_data_key = "wrong-data-key";
inline constexpr std::string_view missing_data = "missing-data";
inline constexpr std::string_view not_base64 = "not-base64";
inline constexpr std::string_view not_json = "not-json";
inline constexpr std::string_view not_compact = "not-compact";
inline constexpr std::string_view wrong_format = "wrong-format";
inline constexpr std::string_view no_auths = "no-auths";
inline constexpr std::string_view bad_entry = "bad-entry";
inline constexpr std::string_view empty_key = "empty-key";
inline constexpr std::string_view malformed_key = "malformed-key";
inline constexpr std::string_view ambiguous_key = "ambiguous-key";
inline constexpr std::string_view duplicate_registry = "duplicate-registry";
inline constexpr std::string_view bad_auth = "bad-auth";
inline constexpr std::string_view unpadded_base64 = "unpadded-base64";
inline constexpr std::string_view auth_mismatch = "auth-mismatch";
inline constexpr std::string_view trailing_newline = "trailing-newline";
inline constexpr std::string_view control_character = "control-character";
inline constexpr std::string_view username_colon = "username-colon";
inline constexpr std::string_view empty_username = "empty-username";
inline constexpr std::string_view no_credentials = "no-credentials";
}  // namespace lint_code

struct LintProblem {
  std::string_view code;
  std::string key;  // the registry key, "" for a problem of the whole secret
  bool has_key = false;
  std::string message;
};

std::vector<LintProblem> lint_pull_secret(const SecretManifest& s);

// Whether a problem of this code rejects the whole secret: kubelet or docker would fail with it,
// or the registry would refuse the password. The others (not-compact, ambiguous-key,
// duplicate-registry, unpadded-base64, auth-mismatch, username-colon, no-credentials) are
// warnings: the secret is used as kubelet reads it. regcredd's store and regcred-publisher
// refuse by this one rule.
bool lint_rejects(std::string_view code);

// `tag/regcred: "csmssim01:80": not-compact: ...`, or without the key part.
std::string format_lint_line(const SecretManifest& s, const LintProblem& p);

}  // namespace regcred::core
