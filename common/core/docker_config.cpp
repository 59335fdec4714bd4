#include "common/core/docker_config.hpp"

#include <algorithm>
#include <unordered_map>
#include <vector>

#include "common/core/ascii.hpp"
#include "common/core/go/encoding.hpp"
#include "common/core/limits.hpp"

namespace regcred::core {
namespace {

Result<std::string> string_field(const Json& v, std::string_view where) {
  if (v.is_null()) return std::string();  // Go leaves the field empty for null
  if (!v.is_string())
    return fail(Code::parse_error,
                std::string(where) + ": expected a string, got " + std::string(v.type_name()));
  return v.get<std::string>();
}

Result<AuthEntry> parse_entry(const std::string& key, const Json& v, std::string_view where) {
  if (!v.is_object())
    return fail(Code::parse_error,
                std::string(where) + ": expected an object, got " + std::string(v.type_name()));
  AuthEntry e;
  e.key = key;
  for (const auto& [name, value] : v.items()) {
    const std::string at = std::string(where) + "." + name;
    std::string* plain = nullptr;
    Secret* secret = nullptr;
    if (ascii_iequals(name, "username"))
      plain = &e.username;
    else if (ascii_iequals(name, "email"))
      plain = &e.email;
    else if (ascii_iequals(name, "password"))
      secret = &e.password;
    else if (ascii_iequals(name, "auth"))
      secret = &e.auth;
    else if (ascii_iequals(name, "identitytoken"))
      secret = &e.identitytoken;
    else if (ascii_iequals(name, "registrytoken"))
      secret = &e.registrytoken;
    if (plain == nullptr && secret == nullptr) {
      e.extra[name] = value;
      continue;
    }
    REGCRED_TRY_ASSIGN(std::string s, string_field(value, at));
    if (plain != nullptr)
      *plain = std::move(s);
    else
      *secret = Secret(std::move(s));
  }
  return e;
}

std::pair<std::string, std::string> cut(std::string_view s, char sep, bool& found) {
  const auto i = s.find(sep);
  found = i != std::string_view::npos;
  if (!found) return {std::string(s), ""};
  return {std::string(s.substr(0, i)), std::string(s.substr(i + 1))};
}

std::string trim_nul(std::string s) {
  const auto b = s.find_first_not_of('\0');
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of('\0');
  return s.substr(b, e - b + 1);
}

// nlohmann's ordered_json finds a key by a linear search on every insert, so parsing an object of
// n members is O(n^2), paid by regcredd on every change it writes to a big config.json. This SAX
// handler builds the same document, except that the members
// of the auths object go into a vector (last value wins at the first position, as nlohmann's
// operator[] does), never into an ordered_map. Other objects are small.
class AuthsSax {
 public:
  explicit AuthsSax(bool root_is_auths) : root_is_auths_(root_is_auths) {}

  Json root;
  std::vector<std::pair<std::string, Json>> entries;
  bool failed = false;
  bool out_of_range = false;
  std::size_t error_byte = 0;

  bool null() { return add(Json(nullptr)); }
  bool boolean(bool v) { return add(Json(v)); }
  bool number_integer(Json::number_integer_t v) { return add(Json(v)); }
  bool number_unsigned(Json::number_unsigned_t v) { return add(Json(v)); }
  bool number_float(Json::number_float_t v, const Json::string_t&) { return add(Json(v)); }
  bool string(Json::string_t& v) { return add(Json(std::move(v))); }
  bool binary(Json::binary_t& v) { return add(Json::binary(std::move(v))); }
  bool key(Json::string_t& k) {
    key_ = std::move(k);
    return true;
  }
  bool start_object(std::size_t) {
    const bool is_auths = stack_.empty()
                              ? root_is_auths_
                              : (!root_is_auths_ && stack_.size() == 1 && key_ == "auths");
    stack_.push_back(place(Json::object()));
    if (is_auths) {
      collecting_ = true;
      auths_level_ = stack_.size();
      entries.clear();
      index_.clear();
    }
    return true;
  }
  bool end_object() {
    if (collecting_ && stack_.size() == auths_level_) collecting_ = false;
    stack_.pop_back();
    return true;
  }
  bool start_array(std::size_t) {
    stack_.push_back(place(Json::array()));
    return true;
  }
  bool end_array() {
    stack_.pop_back();
    return true;
  }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& ex) {
    failed = true;
    error_byte = position;
    out_of_range = ex.id == 406;  // a number too large for a double
    return false;
  }

 private:
  // Puts v where the parser is; the address stays valid while v is the innermost open container
  // (nothing is added to its parent until it closes).
  Json* place(Json v) {
    if (stack_.empty()) {
      root = std::move(v);
      return &root;
    }
    Json* top = stack_.back();
    if (top->is_array()) {
      top->push_back(std::move(v));
      return &top->back();
    }
    if (collecting_ && stack_.size() == auths_level_) {
      auto [it, inserted] = index_.try_emplace(key_, entries.size());
      if (inserted) {
        entries.emplace_back(key_, std::move(v));
      } else {
        entries[it->second].second = std::move(v);
      }
      return &entries[it->second].second;
    }
    Json& slot = (*top)[key_];
    slot = std::move(v);
    return &slot;
  }
  bool add(Json v) {
    place(std::move(v));
    return true;
  }

  bool root_is_auths_;
  bool collecting_ = false;
  std::size_t auths_level_ = 0;
  std::string key_;
  std::vector<Json*> stack_;
  std::unordered_map<std::string, std::size_t> index_;
};

}  // namespace

Result<DockerConfig> DockerConfig::parse(std::string_view text, Format format) {
  if (json_deeper_than(text)) {
    return fail(Code::parse_error,
                "JSON nested deeper than " + std::to_string(k_max_json_depth) + " levels");
  }
  AuthsSax sax(format == Format::dockercfg);
  Json::sax_parse(text.begin(), text.end(), &sax);
  if (sax.failed) {
    // Only the offset: nlohmann's texts quote the input they last read, maybe a password. A
    // number too large for a double was found by the dockercfg fuzz target.
    if (sax.out_of_range) return fail(Code::parse_error, "not JSON: a value out of range");
    return fail(Code::parse_error,
                "not JSON: syntax error at byte " + std::to_string(sax.error_byte));
  }
  Json& doc = sax.root;
  if (!doc.is_object())
    return fail(Code::parse_error, "expected a JSON object, got " + std::string(doc.type_name()));
  DockerConfig cfg;
  cfg.format_ = format;
  if (format == Format::config_json) {
    auto it = doc.find("auths");
    cfg.has_auths_key_ = it != doc.end();
    // Go decodes "auths": null as an empty map; the members of an object are in sax.entries.
    if (cfg.has_auths_key_ && !it->is_null() && !it->is_object()) {
      return fail(Code::parse_error,
                  "auths: expected an object, got " + std::string(it->type_name()));
    }
  }
  cfg.auths_.reserve(sax.entries.size());
  for (const auto& [key, value] : sax.entries) {
    const std::string where = (format == Format::config_json ? "auths." : "") + key;
    REGCRED_TRY_ASSIGN(AuthEntry e, parse_entry(key, value, where));
    cfg.auths_.push_back(std::move(e));
  }
  if (format == Format::config_json) {
    // The entries live in auths_; root_ keeps the other keys, and auths' place among them.
    cfg.root_ = std::move(doc);
    if (cfg.has_auths_key_) cfg.root_["auths"] = Json::object();
  }
  return cfg;
}

const AuthEntry* DockerConfig::find(std::string_view key) const {
  auto it =
      std::find_if(auths_.begin(), auths_.end(), [&](const AuthEntry& e) { return e.key == key; });
  return it == auths_.end() ? nullptr : &*it;
}

void DockerConfig::set(AuthEntry entry) {
  auto it = std::find_if(auths_.begin(), auths_.end(),
                         [&](const AuthEntry& e) { return e.key == entry.key; });
  if (it == auths_.end()) {
    auths_.push_back(std::move(entry));
  } else {
    *it = std::move(entry);
  }
  has_auths_key_ = true;
}

void DockerConfig::replace_auths(std::vector<AuthEntry> entries) {
  auths_ = std::move(entries);
  has_auths_key_ = true;
}

bool DockerConfig::erase(std::string_view key) {
  const auto before = auths_.size();
  std::erase_if(auths_, [&](const AuthEntry& e) { return e.key == key; });
  return auths_.size() != before;
}

namespace {

// What follows `auth` in an entry, as written: email, the tokens, the unknown fields.
void put_entry_rest(Json& j, const AuthEntry& e) {
  if (!e.email.empty()) j["email"] = e.email;
  if (!e.identitytoken.empty()) j["identitytoken"] = e.identitytoken.reveal();
  if (!e.registrytoken.empty()) j["registrytoken"] = e.registrytoken.reveal();
  for (const auto& [k, v] : e.extra.items())
    j[k] = v;
}

}  // namespace

Json entry_json(const AuthEntry& e) {
  Json j = Json::object();
  if (!e.username.empty() || !e.password.empty()) {
    j["auth"] = encode_auth(e.username, e.password).reveal();
  } else if (!e.auth.empty()) {
    j["auth"] = e.auth.reveal();
  }
  put_entry_rest(j, e);
  return j;
}

Json entry_json_as_written(const AuthEntry& e) {
  Json j = Json::object();
  if (!e.username.empty()) j["username"] = e.username;
  if (!e.password.empty()) j["password"] = e.password.reveal();
  if (!e.auth.empty()) j["auth"] = e.auth.reveal();
  put_entry_rest(j, e);
  return j;
}

DockerConfig::Layout DockerConfig::layout() const {
  Layout out;
  if (format_ == Format::dockercfg) return out;  // the auths object is the document
  Json root = root_;
  if (!has_auths_key_) {
    out.bare = root.dump(1, '\t');
    out.has_auths = false;
  }
  // Dump the document with a placeholder for the auths object and cut there; a placeholder
  // that also occurs in the user's own text is made longer until it is unique.
  std::string mark = "regcred:auths";
  for (;;) {
    root["auths"] = mark;
    std::string text = root.dump(1, '\t');
    const std::string quoted = "\"" + mark + "\"";
    auto at = text.find(quoted);
    if (at != std::string::npos && text.find(quoted, at + 1) == std::string::npos) {
      out.head = text.substr(0, at);
      out.tail = text.substr(at + quoted.size());
      out.depth = 2;
      return out;
    }
    mark += ":auths";
  }
}

std::string entry_text(std::string_view key, std::string_view rendered, int depth) {
  const std::string indent(static_cast<std::size_t>(depth), '\t');
  std::string out = indent;
  out.reserve(rendered.size() + key.size() + 16);
  out += Json(std::string(key)).dump();
  out += ": ";
  // A JSON text has no raw newline inside a string: every '\n' starts an indented line.
  for (char c : rendered) {
    out += c;
    if (c == '\n') out += indent;
  }
  return out;
}

std::string entry_text(const AuthEntry& e, int depth) {
  return entry_text(e.key, entry_json(e).dump(1, '\t'), depth);
}

std::string assemble(const DockerConfig::Layout& layout,
                     const std::vector<std::string_view>& entries) {
  if (!layout.has_auths && entries.empty()) return layout.bare;
  std::size_t size = layout.head.size() + layout.tail.size() + 8;
  for (const auto& e : entries)
    size += e.size() + 2;
  std::string out;
  out.reserve(size);
  out += layout.head;
  if (entries.empty()) {
    out += "{}";
  } else {
    out += "{\n";
    bool first = true;
    for (const auto& e : entries) {
      if (!first) out += ",\n";
      first = false;
      out += e;
    }
    out += '\n';
    out.append(static_cast<std::size_t>(layout.depth - 1), '\t');
    out += '}';
  }
  out += layout.tail;
  return out;
}

std::string DockerConfig::serialize() const {
  const Layout l = layout();
  std::vector<std::string> entries;
  entries.reserve(auths_.size());
  for (const auto& e : auths_)
    entries.push_back(entry_text(e, l.depth));
  return assemble(l, std::vector<std::string_view>(entries.begin(), entries.end()));
}

Result<Credential> decode_auth_kubelet(std::string_view auth) {
  const bool padded = go_trim_space(auth).ends_with("=");
  REGCRED_TRY_ASSIGN(std::string decoded,
                     base64_decode(auth, padded ? Padding::required : Padding::none));
  bool found = false;
  auto [user, pass] = cut(decoded, ':', found);
  if (!found)
    return fail(Code::parse_error,
                "unable to parse auth field, must be formatted as base64(username:password)");
  return Credential{std::move(user), Secret(std::move(pass)), {}};
}

Result<Credential> entry_credential_kubelet(const AuthEntry& e) {
  if (!e.auth.empty()) return decode_auth_kubelet(e.auth.reveal());
  return Credential{e.username, e.password, {}};
}

Result<Credential> entry_credential_docker(const AuthEntry& e) {
  if (e.auth.empty()) return Credential{e.username, e.password, e.identitytoken};
  REGCRED_TRY_ASSIGN(std::string decoded, base64_decode(e.auth.reveal(), Padding::required));
  bool found = false;
  auto [user, pass] = cut(decoded, ':', found);
  if (!found || user.empty()) return fail(Code::parse_error, "invalid auth configuration file");
  return Credential{std::move(user), Secret(trim_nul(std::move(pass))), e.identitytoken};
}

Result<ContainersDecode> entry_credential_containers(const AuthEntry& e) {
  REGCRED_TRY_ASSIGN(std::string decoded, base64_decode(e.auth.reveal(), Padding::required));
  bool found = false;
  auto [user, pass] = cut(decoded, ':', found);
  if (!found) {
    ContainersDecode skipped;
    if (!decoded.empty())
      skipped.warning = "Error parsing the \"auth\" field of a credential entry \"" + e.key +
                        "\", missing semicolon";
    return skipped;
  }
  return ContainersDecode{
      Credential{std::move(user), Secret(trim_nul(std::move(pass))), e.identitytoken}, {}};
}

Secret encode_auth(std::string_view username, const Secret& password) {
  std::string plain;
  plain.reserve(username.size() + 1 + password.size());
  plain.append(username).append(":").append(password.reveal());
  return Secret(base64_encode(plain));
}

}  // namespace regcred::core
