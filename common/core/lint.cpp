#include "common/core/lint.hpp"

#include <algorithm>
#include <array>
#include <map>

#include "common/core/go/encoding.hpp"
#include "common/core/image_ref.hpp"
#include "common/core/match.hpp"
#include "common/core/url.hpp"

namespace regcred::core {
namespace {

std::string trim_trailing_slashes(std::string s) {
  while (!s.empty() && s.back() == '/')
    s.pop_back();
  return s;
}

class Linter {
 public:
  explicit Linter(const SecretManifest& s) : s_(s) {}

  std::vector<LintProblem> run() {
    const bool new_type = s_.type == k_type_dockerconfigjson;
    const std::string want(new_type ? k_key_dockerconfigjson : k_key_dockercfg);
    const std::string other(new_type ? k_key_dockercfg : k_key_dockerconfigjson);
    if (!s_.is_pull_secret()) {
      if (s_.data.contains(want) || s_.data.contains(other)) {
        add(lint_code::not_pull_secret,
            "type is " + s_.type + ", so kubelet ignores it; a pull secret has type " +
                std::string(k_type_dockerconfigjson) + " (kubectl create secret docker-registry)");
      } else {
        add(lint_code::not_pull_secret, "type is " + s_.type + ", not a pull secret type");
      }
      return std::move(out_);
    }
    if (!s_.data.contains(want) && !s_.data_error.contains(want)) {
      if (s_.data.contains(other) || s_.data_error.contains(other)) {
        add(lint_code::wrong_data_key, "type " + s_.type + " holds data[" + other +
                                           "] instead of data[" + want +
                                           "]: kubelet ignores the secret");
      } else {
        add(lint_code::missing_data, "type " + s_.type + " needs data[" + want + "]");
      }
      return std::move(out_);
    }
    if (auto e = s_.data_error.find(want); e != s_.data_error.end()) {
      add(lint_code::not_base64, "data[" + want + "] is " + e->second);
      return std::move(out_);
    }
    payload(s_.data.at(want).reveal(), want, new_type);
    return std::move(out_);
  }

 private:
  void add(std::string_view code, std::string message) {
    out_.push_back(LintProblem{code, {}, false, std::move(message)});
  }
  void add_key(std::string_view code, const std::string& key, std::string message) {
    out_.push_back(LintProblem{code, key, true, std::move(message)});
  }

  // Whitespace outside JSON strings: what a pretty-printer or `echo` (without -n) adds.
  void check_compact(std::string_view text, const std::string& data_key) {
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      if (in_string) {
        if (c == '\\')
          ++i;
        else if (c == '"')
          in_string = false;
        continue;
      }
      if (c == '"') {
        in_string = true;
      } else if (c == '\n' || c == ' ' || c == '\t' || c == '\r') {
        const char* what = c == '\n'   ? "a newline"
                           : c == ' '  ? "a space"
                           : c == '\t' ? "a tab"
                                       : "a carriage return";
        const bool at_end = text.find_first_not_of(" \t\r\n", i) == std::string_view::npos;
        add(lint_code::not_compact,
            "data[" + data_key + "] is not compact JSON: " + what + " at byte " +
                std::to_string(i) + (at_end ? " (after the JSON: echo without -n?)" : "") +
                "; kubectl create secret docker-registry writes it compact, or use jq -c");
        return;
      }
    }
  }

  void payload(const std::string& text, const std::string& data_key, bool new_type) {
    Json doc;
    try {
      doc = Json::parse(text);
    } catch (const Json::parse_error& e) {
      add(lint_code::not_json,
          "data[" + data_key + "] is not JSON: syntax error at byte " + std::to_string(e.byte));
      return;
    } catch (const Json::exception&) {  // out_of_range: a number too large, ...
      add(lint_code::not_json, "data[" + data_key + "] is not JSON: a value out of range");
      return;
    }
    if (!doc.is_object()) {
      add(lint_code::not_json, "data[" + data_key + "] is JSON but not an object");
      return;
    }
    check_compact(text, data_key);
    const bool has_auths = doc.contains("auths");
    if (new_type && !has_auths) {
      const bool looks_legacy =
          !doc.empty() &&
          std::all_of(doc.begin(), doc.end(), [](const Json& v) { return v.is_object(); });
      if (looks_legacy) {
        add(lint_code::wrong_format,
            "data[" + data_key +
                "] holds the legacy .dockercfg format (no \"auths\" wrapper) "
                "under type " +
                std::string(k_type_dockerconfigjson) + ": kubelet finds no credentials in it");
      } else {
        add(lint_code::no_auths, "data[" + data_key + "] has no \"auths\" object");
      }
      return;
    }
    if (!new_type && has_auths && doc["auths"].is_object()) {
      add(lint_code::wrong_format,
          "data[" + data_key +
              "] holds the .dockerconfigjson format (an \"auths\" wrapper) under "
              "type " +
              std::string(k_type_dockercfg) +
              ": kubelet reads \"auths\" as a registry name; use type " +
              std::string(k_type_dockerconfigjson) + " with data[.dockerconfigjson]");
      return;
    }
    auto cfg = DockerConfig::parse(text, new_type ? Format::config_json : Format::dockercfg);
    if (!cfg) {
      add(lint_code::bad_entry, "data[" + data_key + "]: " + cfg.error().message);
      return;
    }
    if (cfg->auths().empty()) {
      add(lint_code::no_credentials, "data[" + data_key + "] lists no registries");
      return;
    }
    std::map<std::string, std::vector<std::string>> by_registry;
    for (const auto& e : cfg->auths()) {
      entry(e);
      if (auto id = registry_identity(e.key)) by_registry[*id].push_back(e.key);
    }
    for (const auto& [registry, keys] : by_registry) {
      if (keys.size() < 2) continue;
      std::string list;
      for (const auto& k : keys)
        list += (list.empty() ? "\"" : ", \"") + k + "\"";
      add_key(lint_code::duplicate_registry, keys.back(),
              "keys " + list + " name the same registry " + registry +
                  ": kubelet tries all of them, docker and containers/image take one, and which "
                  "one differs between them; keep one key");
    }
  }

  // The registry and path a key covers, with every Docker Hub spelling as one.
  static std::optional<std::string> registry_identity(const std::string& key) {
    if (is_docker_hub(key)) return std::string("docker.io");
    auto k = kubelet_normalize_key(key);
    if (!k) return std::nullopt;
    // A normalised key starts with a non-empty host, so this never empties it.
    return trim_trailing_slashes(std::move(*k));
  }

  void check_key(const AuthEntry& e) {
    const std::string& key = e.key;
    if (go_trim_space(key).empty()) {
      add_key(lint_code::empty_key, key, "the registry key is empty: no image can match it");
      return;
    }
    const auto normalized = kubelet_normalize_key(key);
    std::string host;
    if (normalized) host = normalized->substr(0, normalized->find('/'));
    // Globs are kubelet's (per label); check the rest of the host as a registry name.
    std::string plain_host = host;
    std::replace_if(
        plain_host.begin(), plain_host.end(), [](char c) { return c == '*' || c == '?'; }, 'x');
    if (!normalized || host.empty() || key.find_first_of(" \t\r\n") != std::string::npos ||
        !parse_image_ref(plain_host + "/x")) {
      add_key(lint_code::malformed_key, key,
              "not a registry host[:port][/path]: kubelet skips it and no image matches it");
      return;
    }
    if (is_docker_hub(key)) {
      if (key != k_docker_hub_auth_key)
        add_key(lint_code::ambiguous_key, key,
                "docker CLI reads Docker Hub credentials only from the key " +
                    std::string(k_docker_hub_auth_key) + "; kubelet and containers/image read " +
                    "that key too, so use it");
      return;
    }
    // What each consumer takes the key to cover.
    const std::string kubelet = trim_trailing_slashes(*normalized);
    const std::string docker = docker_convert_to_hostname(key);
    const bool has_scheme = key.starts_with("http://") || key.starts_with("https://");
    const std::string containers =
        has_scheme ? containers_normalize_auth_file_key(key) : trim_trailing_slashes(key);
    if (kubelet != docker || kubelet != containers) {
      add_key(lint_code::ambiguous_key, key,
              "read differently: kubelet as \"" + kubelet + "\", docker CLI as \"" + docker +
                  "\", containers/image as \"" + containers +
                  "\"; write the key as host[:port] (or host/path, read by kubelet and "
                  "containers/image only)");
    }
  }

  void entry(const AuthEntry& e) {
    check_key(e);
    const std::string& key = e.key;
    if (e.username.find(':') != std::string::npos) {
      add_key(lint_code::username_colon, key,
              "the username contains ':', which base64(username:password) cannot carry: every "
              "reader splits auth at the first ':'");
    }
    if (!e.auth.empty()) {
      const std::string& a = e.auth.reveal();
      auto kubelet = decode_auth_kubelet(a);
      if (!kubelet) {
        add_key(lint_code::bad_auth, key,
                "auth is not base64 of username:password: " + kubelet.error().message);
        return;
      }
      if (base64_is_unpadded(a)) {
        add_key(lint_code::unpadded_base64, key,
                "auth is base64 without '=' padding: kubelet accepts it, docker CLI and "
                "containers/image reject it");
      }
      if (!a.empty() && (a.back() == '\n' || a.back() == '\r')) {
        add_key(lint_code::trailing_newline, key,
                "auth ends in a newline (base64 piped from a command without -n?)");
      }
      if ((!e.username.empty() || !e.password.empty()) &&
          (kubelet->username != e.username || !(kubelet->password == e.password))) {
        const bool user = kubelet->username != e.username;
        const bool pass = !(kubelet->password == e.password);
        add_key(lint_code::auth_mismatch, key,
                std::string("auth disagrees with the ") +
                    (user && pass ? "username and password fields"
                     : user       ? "username field"
                                  : "password field") +
                    ": kubelet and containers/image use auth, other tools may use the fields");
      }
      check_credential(key, *kubelet, /*from_auth=*/true);
      return;
    }
    if (e.username.empty() && e.password.empty()) {
      if (e.identitytoken.empty())
        add_key(lint_code::no_credentials, key, "the entry has no auth, username or password");
      return;
    }
    check_credential(key, Credential{e.username, e.password, {}}, /*from_auth=*/false);
  }

  void check_credential(const std::string& key, const Credential& c, bool from_auth) {
    const std::string& p = c.password.reveal();
    const char* where = from_auth ? "the password in auth" : "the password";
    if (!p.empty() && (p.back() == '\n' || p.back() == '\r')) {
      add_key(lint_code::trailing_newline, key,
              std::string(where) +
                  " ends in a newline (echo without -n?): the registry will "
                  "refuse it");
    }
    const auto body = std::string_view(p).substr(0, p.find_last_not_of("\r\n") + 1);
    if (std::any_of(body.begin(), body.end(), [](char ch) {
          return (static_cast<unsigned char>(ch) < 0x20 && ch != '\t') || ch == 0x7f;
        })) {
      add_key(lint_code::control_character, key,
              std::string(where) + " contains a control character");
    }
    if (c.username.empty()) {
      add_key(lint_code::empty_username, key,
              "the username is empty: docker CLI refuses the whole config file");
    }
  }

  const SecretManifest& s_;
  std::vector<LintProblem> out_;
};

}  // namespace

std::vector<LintProblem> lint_pull_secret(const SecretManifest& s) {
  return Linter(s).run();
}

std::string format_lint_line(const SecretManifest& s, const LintProblem& p) {
  std::string line = s.display_name() + ": ";
  if (p.has_key) line += go_json_quote(p.key) + ": ";
  line += std::string(p.code) + ": " + p.message;
  return line;
}

bool lint_rejects(std::string_view code) {
  namespace lc = lint_code;
  static constexpr std::array<std::string_view, 6> warnings = {
      lc::not_compact,     lc::ambiguous_key, lc::duplicate_registry,
      lc::unpadded_base64, lc::auth_mismatch, lc::username_colon};
  // An entry without credentials is skipped, not a reason to drop the secret's other entries.
  if (code == lc::no_credentials) return false;
  return std::find(warnings.begin(), warnings.end(), code) == warnings.end();
}

}  // namespace regcred::core
