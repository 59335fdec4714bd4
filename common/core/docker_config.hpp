// docker_config.hpp: the docker config.json model (also the .dockerconfigjson / .dockercfg
// payload of pull secrets). Parses and serialises without losing what it does not know:
// unknown top-level keys and unknown per-entry fields come back out untouched. Decodes `auth`
// exactly as each consumer does (kubelet, docker CLI, containers/image differ). Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/core/result.hpp"
#include "common/core/secret.hpp"

namespace regcred::core {

using Json = nlohmann::ordered_json;

// One auths[key] entry as written. Field names are matched case-insensitively, as Go's
// encoding/json does; the last spelling of a field wins.
struct AuthEntry {
  std::string key;
  std::string username;
  Secret password;
  Secret auth;  // the raw base64 text
  std::string email;
  Secret identitytoken;
  Secret registrytoken;
  Json extra = Json::object();  // every other field, in order
};

struct Credential {
  std::string username;
  Secret password;
  Secret identitytoken;
  friend bool operator==(const Credential&, const Credential&) = default;
};

enum class Format {
  config_json,  // {"auths": {...}, ...}: config.json and .dockerconfigjson
  dockercfg,    // {key: entry, ...}: the legacy .dockercfg
};

class DockerConfig {
 public:
  // Parses a JSON document. Errors: not JSON, not an object, an entry that is not an object or a
  // field of the wrong type ("auths.reg.io.email: expected a string").
  static Result<DockerConfig> parse(std::string_view text, Format format = Format::config_json);

  const std::vector<AuthEntry>& auths() const { return auths_; }
  bool has_auths_key() const { return has_auths_key_; }
  const Json& root() const { return root_; }  // everything but auths' entries

  const AuthEntry* find(std::string_view key) const;
  // Adds or replaces auths[key]; an existing entry keeps its position and unknown fields.
  void set(AuthEntry entry);
  bool erase(std::string_view key);
  // All entries at once, in this order; keys must be unique.
  void replace_auths(std::vector<AuthEntry> entries);

  // config.json text: tab-indented like docker's, no trailing newline. Every entry with a
  // username or password gets `auth` = base64(username:password); username and password are not
  // written (the three consumers read `auth`). Other fields and keys are kept as they were.
  std::string serialize() const;

  // serialize() in parts, for a writer that keeps the entries' texts and re-renders only the
  // ones that change: the text is head + the auths object + tail, the object being "{}" without
  // entries, else "{\n" + the entry texts joined by ",\n" + "\n" + close. An entry's text is
  // entry_text(e, depth).
  // A document without an auths object gets one at its end once there are entries; without
  // entries it stays as it was (`bare`).
  struct Layout {
    std::string head;
    std::string tail;
    int depth = 1;          // indentation of the entries
    bool has_auths = true;  // false: no entries means the text is `bare`
    std::string bare;
  };
  Layout layout() const;

 private:
  Json root_ = Json::object();
  std::vector<AuthEntry> auths_;
  bool has_auths_key_ = false;
  Format format_ = Format::config_json;
};

// One auths entry as serialize() writes it: `auth` in place of username/password, then email,
// the tokens and the unknown fields.
Json entry_json(const AuthEntry& e);
// The entry with every field as written (username and password beside `auth`, nothing derived):
// a copy that kubelet reads exactly as it read the original (it decodes `auth` over them).
Json entry_json_as_written(const AuthEntry& e);

// One entry of the auths object as serialize() writes it at `depth` tabs: "\t\t\"key\": {...}".
// `rendered` is entry_json(e).dump(1, '\t').
std::string entry_text(std::string_view key, std::string_view rendered, int depth);
std::string entry_text(const AuthEntry& e, int depth);
// The whole text of a Layout and its entries' texts.
std::string assemble(const DockerConfig::Layout& layout,
                     const std::vector<std::string_view>& entries);

// kubelet (pkg/credentialprovider/config.go decodeDockerConfigFieldAuth): StdEncoding when the
// trimmed text ends in '=', else RawStdEncoding; split at the first ':'.
Result<Credential> decode_auth_kubelet(std::string_view auth);

// kubelet's view of a whole entry: a non-empty `auth` overrides username/password.
Result<Credential> entry_credential_kubelet(const AuthEntry& e);

// docker CLI (configfile.decodeAuth): StdEncoding, padding required; the user name must be
// non-empty; \0 trimmed from both ends of the password. An empty `auth` uses the fields.
Result<Credential> entry_credential_docker(const AuthEntry& e);

// containers/image (decodeDockerAuth): only `auth` and `identitytoken` count. nullopt for an
// entry it skips (empty auth, or no ':' which it warns about); an error for bad base64.
struct ContainersDecode {
  std::optional<Credential> credential;  // nullopt: skipped
  std::string warning;                   // set when skipped with a warning
};
Result<ContainersDecode> entry_credential_containers(const AuthEntry& e);

// base64(username:password), the `auth` every writer must produce.
Secret encode_auth(std::string_view username, const Secret& password);

}  // namespace regcred::core
