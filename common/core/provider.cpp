#include "common/core/provider.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <set>

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "common/core/encoding.hpp"
#include "common/core/url.hpp"

namespace regcred::core {
namespace {

using nlohmann::json;

std::string dq(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

void put_len16(std::string& out, std::string_view s) {
  out += static_cast<char>((s.size() >> 8U) & 0xFFU);
  out += static_cast<char>(s.size() & 0xFFU);
  out += s;
}

// nlohmann with a check Go's strict decoders make and nlohmann does not: no key twice in an
// object. Errors are reduced to a position (the library's texts quote the input).
Result<json> parse_strict(std::string_view text, const std::string& what) {
  std::vector<std::set<std::string>> keys;
  std::string duplicate;
  json::parser_callback_t cb = [&](int, json::parse_event_t ev, json& parsed) {
    if (ev == json::parse_event_t::object_start)
      keys.emplace_back();
    else if (ev == json::parse_event_t::object_end)
      keys.pop_back();
    else if (ev == json::parse_event_t::key && !keys.empty()) {
      if (!keys.back().insert(parsed.get<std::string>()).second && duplicate.empty()) {
        duplicate = parsed.get<std::string>();
      }
    }
    return true;
  };
  try {
    json j = json::parse(text, cb);
    if (!duplicate.empty()) {
      return fail(Code::parse_error, "strict decoding error: duplicate field " + dq(duplicate));
    }
    return j;
  } catch (const json::parse_error& e) {
    return fail(Code::parse_error, what + ": not JSON (at byte " + std::to_string(e.byte) + ")");
  } catch (const json::exception&) {  // out_of_range: a number too large, ...
    return fail(Code::parse_error, what + ": not JSON (a value out of range)");
  }
}

Result<std::string> string_field(const json& obj, const char* name, const std::string& at) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) return std::string();
  if (!it->is_string()) return fail(Code::invalid_argument, at + name + ": expected a string");
  return it->get<std::string>();
}

}  // namespace

bool is_provider_api_version(std::string_view v) {
  return v == k_provider_v1 || v == k_provider_v1beta1 || v == k_provider_v1alpha1;
}

// ---- request ----

Result<ProviderRequest> parse_provider_request(std::string_view text) {
  REGCRED_TRY_ASSIGN(json j, parse_strict(text, "read the CredentialProviderRequest"));
  if (!j.is_object()) {
    return fail(Code::invalid_argument, "read the CredentialProviderRequest: not a JSON object");
  }
  ProviderRequest r;
  REGCRED_TRY_ASSIGN(r.api_version, string_field(j, "apiVersion", ""));
  if (!is_provider_api_version(r.api_version)) {
    return fail(Code::invalid_argument, "apiVersion " + dq(r.api_version) +
                                            " is not supported: want " +
                                            std::string(k_provider_v1) + ", v1beta1 or v1alpha1");
  }
  REGCRED_TRY_ASSIGN(std::string kind, string_field(j, "kind", ""));
  if (kind != "CredentialProviderRequest") {
    return fail(Code::invalid_argument,
                "kind " + dq(kind) + " is not supported: want CredentialProviderRequest");
  }
  if (!j.contains("image")) return fail(Code::invalid_argument, "image: missing");
  REGCRED_TRY_ASSIGN(r.image, string_field(j, "image", ""));
  if (r.api_version == k_provider_v1) {
    REGCRED_TRY_ASSIGN(std::string token, string_field(j, "serviceAccountToken", ""));
    r.service_account_token = Secret(std::move(token));
    if (auto a = j.find("serviceAccountAnnotations"); a != j.end() && !a->is_null()) {
      if (!a->is_object()) {
        return fail(Code::invalid_argument, "serviceAccountAnnotations: expected an object");
      }
      for (const auto& [k, v] : a->items()) {
        if (!v.is_string()) {
          return fail(Code::invalid_argument,
                      "serviceAccountAnnotations." + k + ": expected a string");
        }
        r.service_account_annotations[k] = v.get<std::string>();
      }
    }
  }
  return r;
}

std::string encode_provider_request(const ProviderRequest& r) {
  std::string out = "{\"kind\":\"CredentialProviderRequest\",\"apiVersion\":";
  out += go_json_quote(r.api_version);
  out += ",\"image\":";
  out += go_json_quote(r.image);
  if (r.api_version == k_provider_v1) {
    if (!r.service_account_token.empty()) {
      out += ",\"serviceAccountToken\":";
      out += go_json_quote(r.service_account_token.reveal());
    }
    if (!r.service_account_annotations.empty()) {
      out += ",\"serviceAccountAnnotations\":{";
      bool first = true;
      for (const auto& [k, v] : r.service_account_annotations) {
        if (!first) out += ',';
        first = false;
        out += go_json_quote(k) + ":" + go_json_quote(v);
      }
      out += '}';
    }
  }
  out += "}\n";
  return out;
}

// ---- response ----

std::string encode_provider_response(const ProviderResponse& r) {
  std::string out = "{\"kind\":\"CredentialProviderResponse\",\"apiVersion\":";
  out += go_json_quote(r.api_version);
  out += ",\"cacheKeyType\":";
  out += go_json_quote(r.cache_key_type);
  if (r.cache_duration) {
    out += ",\"cacheDuration\":";
    out += go_json_quote(*r.cache_duration);
  }
  out += ",\"auth\":{";
  bool first = true;
  for (const auto& [pattern, a] : r.auth) {
    if (!first) out += ',';
    first = false;
    out += go_json_quote(pattern);
    out += ":{\"username\":";
    out += go_json_quote(a.username);
    out += ",\"password\":";
    out += go_json_quote(a.password.reveal());
    out += '}';
  }
  out += "}}\n";
  return out;
}

Result<DecodedResponse> decode_provider_response(std::string_view text,
                                                 std::string_view expected_api_version) {
  auto parsed = parse_strict(text, "error reading GVK from response");
  if (!parsed) return fail(parsed.error());
  const json& j = *parsed;
  if (!j.is_object() || !j.contains("apiVersion") || !j["apiVersion"].is_string()) {
    return fail(Code::parse_error, "error reading GVK from response");
  }
  const std::string api = j["apiVersion"];
  if (api != expected_api_version) {
    return fail(Code::invalid_argument,
                "apiVersion from credential plugin response did not match expected apiVersion:" +
                    std::string(expected_api_version) + ", actual apiVersion:" + api);
  }
  if (api.substr(0, api.find('/')) != k_provider_group || !is_provider_api_version(api)) {
    return fail(Code::invalid_argument,
                "group version " + api + " is not a credential provider API");
  }
  static const std::set<std::string> known = {"kind", "apiVersion", "cacheKeyType", "cacheDuration",
                                              "auth"};
  for (const auto& [k, v] : j.items()) {
    if (!known.contains(k)) {
      return fail(Code::parse_error, "strict decoding error: unknown field " + dq(k));
    }
  }
  DecodedResponse d;
  d.response.api_version = api;
  REGCRED_TRY_ASSIGN(std::string kind, string_field(j, "kind", ""));
  if (kind != "CredentialProviderResponse") {
    return fail(Code::invalid_argument,
                "unexpected kind " + dq(kind) + " in the credential provider plugin response");
  }
  REGCRED_TRY_ASSIGN(d.response.cache_key_type, string_field(j, "cacheKeyType", ""));
  const auto& t = d.response.cache_key_type;
  if (t != "Image" && t != "Registry" && t != "Global") {
    return fail(Code::invalid_argument,
                "credential provider plugin did not return a valid cacheKeyType: " + dq(t));
  }
  if (auto it = j.find("cacheDuration"); it != j.end() && !it->is_null()) {
    if (!it->is_string()) return fail(Code::parse_error, "cacheDuration: expected a string");
    REGCRED_TRY_ASSIGN(auto dur, parse_go_duration(it->get<std::string>()));
    d.response.cache_duration = it->get<std::string>();
    d.cache_duration = dur;
  }
  if (auto it = j.find("auth"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) return fail(Code::parse_error, "auth: expected an object");
    for (const auto& [pattern, cred] : it->items()) {
      if (!cred.is_object())
        return fail(Code::parse_error, "auth." + pattern + ": expected an object");
      for (const auto& [k, v] : cred.items()) {
        if (k != "username" && k != "password") {
          return fail(Code::parse_error,
                      "strict decoding error: unknown field " + dq("auth[" + pattern + "]." + k));
        }
        if (!v.is_string() && !v.is_null()) {
          return fail(Code::parse_error, "auth." + pattern + "." + k + ": expected a string");
        }
      }
      ProviderAuth a;
      REGCRED_TRY_ASSIGN(a.username, string_field(cred, "username", "auth." + pattern + "."));
      REGCRED_TRY_ASSIGN(std::string pw, string_field(cred, "password", "auth." + pattern + "."));
      a.password = Secret(std::move(pw));
      d.response.auth.emplace(pattern, std::move(a));
    }
  }
  return d;
}

// ---- Go durations ----

Result<std::chrono::nanoseconds> parse_go_duration(std::string_view s) {
  const std::string orig(s);
  auto bad = [&] { return fail(Code::invalid_argument, "time: invalid duration " + dq(orig)); };
  bool neg = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    neg = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return bad();
  long double total = 0;
  while (!s.empty()) {
    std::size_t i = 0;
    long double v = 0;
    bool digits = false;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      v = v * 10 + (s[i] - '0');
      ++i;
      digits = true;
    }
    if (i < s.size() && s[i] == '.') {
      ++i;
      long double scale = 0.1L;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        v += (s[i] - '0') * scale;
        scale /= 10;
        ++i;
        digits = true;
      }
    }
    if (!digits) return bad();
    std::size_t u = i;
    while (u < s.size() && !(s[u] >= '0' && s[u] <= '9') && s[u] != '.')
      ++u;
    std::string_view unit = s.substr(i, u - i);
    long double mult = 0;
    if (unit == "ns")
      mult = 1;
    else if (unit == "us" || unit == "\u00b5s" || unit == "\u03bcs")
      mult = 1e3L;
    else if (unit == "ms")
      mult = 1e6L;
    else if (unit == "s")
      mult = 1e9L;
    else if (unit == "m")
      mult = 60e9L;
    else if (unit == "h")
      mult = 3600e9L;
    else if (unit.empty())
      return fail(Code::invalid_argument, "time: missing unit in duration " + dq(orig));
    else
      return fail(Code::invalid_argument,
                  "time: unknown unit " + dq(unit) + " in duration " + dq(orig));
    total += v * mult;
    s.remove_prefix(u);
  }
  if (total > 9.223372036854775807e18L) return bad();
  auto ns = static_cast<std::int64_t>(std::llround(total));
  return std::chrono::nanoseconds(neg ? -ns : ns);
}

std::string format_go_duration(std::chrono::nanoseconds d) {
  std::int64_t n = d.count();
  if (n == 0) return "0s";
  std::string sign = n < 0 ? "-" : "";
  auto u = static_cast<std::uint64_t>(n < 0 ? -n : n);
  auto frac = [](std::uint64_t v, std::size_t prec) {
    // v as a decimal with `prec` fraction digits, trailing zeros dropped.
    std::string whole = std::to_string(v);
    if (whole.size() <= prec) whole.insert(0, prec + 1 - whole.size(), '0');
    std::string f = whole.substr(whole.size() - prec);
    std::string w = whole.substr(0, whole.size() - prec);
    while (!f.empty() && f.back() == '0')
      f.pop_back();
    return f.empty() ? w : w + "." + f;
  };
  if (u < 1000000000ULL) {
    if (u < 1000ULL) return sign + std::to_string(u) + "ns";
    if (u < 1000000ULL) return sign + frac(u, 3) + "\u00b5s";
    return sign + frac(u, 6) + "ms";
  }
  std::uint64_t secs_ns = u % 60000000000ULL;
  std::uint64_t mins = u / 60000000000ULL;
  std::string out = frac(secs_ns, 9) + "s";
  if (mins > 0) {
    out = std::to_string(mins % 60) + "m" + out;
    if (mins >= 60) out = std::to_string(mins / 60) + "h" + out;
  }
  return sign + out;
}

// ---- kubelet's caches ----

std::string kubelet_cache_key(std::string_view base_key, std::string_view sa_key) {
  std::string out;
  put_len16(out, base_key);
  put_len16(out, sa_key);
  return out;
}

std::string kubelet_sa_cache_key(std::string_view ns, std::string_view name, std::string_view uid,
                                 const std::map<std::string, std::string>& annotations,
                                 std::string_view token_hash) {
  std::string out;
  put_len16(out, ns);
  put_len16(out, name);
  put_len16(out, uid);
  const auto n = static_cast<std::uint32_t>(annotations.size());
  for (int shift = 24; shift >= 0; shift -= 8)
    out += static_cast<char>((n >> static_cast<unsigned>(shift)) & 0xFFU);
  for (const auto& [k, v] : annotations) {
    put_len16(out, k);
    put_len16(out, v);
  }
  if (!token_hash.empty()) {
    put_len16(out, "token");
    put_len16(out, token_hash);
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_sha256(), nullptr);
  static constexpr std::string_view hex = "0123456789abcdef";
  std::string out;
  out.reserve(2 * len);
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[md[i] >> 4U];
    out += hex[md[i] & 0xFU];
  }
  return out;
}

std::string kubelet_token_hash(std::string_view token) {
  if (token.empty()) return "";
  return "sha256:" + sha256_hex(token);
}

std::string kubelet_config_hash(const std::vector<std::string>& files) {
  std::string data;
  for (const auto& f : files) {
    const std::uint64_t n = f.size();
    for (int shift = 56; shift >= 0; shift -= 8)
      data += static_cast<char>((n >> static_cast<unsigned>(shift)) & 0xFFU);
    data += f;
  }
  return "sha256:" + sha256_hex(data);
}

// ---- CredentialProviderConfig ----

namespace {

// sigs.k8s.io/yaml: YAML to JSON, plain scalars typed as YAML 1.1 would type them.
json yaml_to_json(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      json o = json::object();
      for (const auto& kv : n)
        o[kv.first.Scalar()] = yaml_to_json(kv.second);
      return o;
    }
    case YAML::NodeType::Sequence: {
      json a = json::array();
      for (const auto& e : n)
        a.push_back(yaml_to_json(e));
      return a;
    }
    case YAML::NodeType::Scalar: {
      const std::string& s = n.Scalar();
      if (n.Tag() == "!") return s;  // quoted
      if (s == "true" || s == "True" || s == "TRUE") return true;
      if (s == "false" || s == "False" || s == "FALSE") return false;
      if (s == "null" || s == "~" || s == "Null" || s == "NULL") return nullptr;
      if (!s.empty() && s.find_first_not_of("-0123456789") == std::string::npos &&
          s.find('-', 1) == std::string::npos && s != "-") {
        try {
          return std::stoll(s);
        } catch (const std::exception&) {
          return s;
        }
      }
      return s;
    }
    default:
      return nullptr;
  }
}

Result<std::vector<std::string>> string_list(const json& v, const std::string& at) {
  std::vector<std::string> out;
  if (v.is_null()) return out;
  if (!v.is_array()) return fail(Code::parse_error, at + ": expected a list");
  for (const auto& e : v) {
    if (!e.is_string()) return fail(Code::parse_error, at + ": expected strings");
    out.push_back(e.get<std::string>());
  }
  return out;
}

Result<void> known_fields(const json& obj, const std::set<std::string>& known,
                          const std::string& at) {
  for (const auto& [k, v] : obj.items()) {
    if (!known.contains(k)) {
      return fail(Code::parse_error, "strict decoding error: unknown field " + dq(at + k));
    }
  }
  return ok();
}

}  // namespace

Result<ProviderConfig> decode_provider_config(std::string_view text) {
  json j;
  try {
    j = yaml_to_json(YAML::Load(std::string(text)));
  } catch (const YAML::Exception& e) {
    return fail(Code::parse_error, "yaml: line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (!j.is_object()) return fail(Code::parse_error, "not a CredentialProviderConfig object");
  REGCRED_TRY_ASSIGN(std::string api, string_field(j, "apiVersion", ""));
  REGCRED_TRY_ASSIGN(std::string kind, string_field(j, "kind", ""));
  const bool known_version = api == "kubelet.config.k8s.io/v1" ||
                             api == "kubelet.config.k8s.io/v1beta1" ||
                             api == "kubelet.config.k8s.io/v1alpha1";
  if (!known_version || kind != "CredentialProviderConfig") {
    return fail(Code::invalid_argument,
                "no kind " + dq(kind) + " is registered for version " + dq(api) +
                    " in scheme \"pkg/kubelet/apis/config/scheme/scheme.go:34\"");
  }
  const bool v1 = api == "kubelet.config.k8s.io/v1";
  REGCRED_TRY(known_fields(j, {"apiVersion", "kind", "providers"}, ""));
  ProviderConfig cfg;
  const json providers = j.value("providers", json::array());
  if (!providers.is_array() && !providers.is_null()) {
    return fail(Code::parse_error, "providers: expected a list");
  }
  for (std::size_t i = 0; i < providers.size(); ++i) {
    const json& p = providers[i];
    const std::string at = "providers[" + std::to_string(i) + "].";
    if (!p.is_object()) return fail(Code::parse_error, at + ": expected an object");
    std::set<std::string> fields = {"name",       "matchImages", "defaultCacheDuration",
                                    "apiVersion", "args",        "env"};
    if (v1) fields.insert("tokenAttributes");
    REGCRED_TRY(known_fields(p, fields, at));
    ProviderConfigEntry e;
    REGCRED_TRY_ASSIGN(e.name, string_field(p, "name", at));
    REGCRED_TRY_ASSIGN(e.api_version, string_field(p, "apiVersion", at));
    REGCRED_TRY_ASSIGN(e.match_images,
                       string_list(p.value("matchImages", json()), at + "matchImages"));
    REGCRED_TRY_ASSIGN(e.args, string_list(p.value("args", json()), at + "args"));
    if (auto d = p.find("defaultCacheDuration"); d != p.end() && !d->is_null()) {
      if (!d->is_string())
        return fail(Code::parse_error, at + "defaultCacheDuration: expected a string");
      REGCRED_TRY(parse_go_duration(d->get<std::string>()));
      e.default_cache_duration = d->get<std::string>();
    }
    if (auto env = p.find("env"); env != p.end() && !env->is_null()) {
      if (!env->is_array()) return fail(Code::parse_error, at + "env: expected a list");
      for (std::size_t k = 0; k < env->size(); ++k) {
        const json& ev = (*env)[k];
        const std::string eat = at + "env[" + std::to_string(k) + "].";
        if (!ev.is_object()) return fail(Code::parse_error, eat + ": expected an object");
        REGCRED_TRY(known_fields(ev, {"name", "value"}, eat));
        REGCRED_TRY_ASSIGN(std::string name, string_field(ev, "name", eat));
        REGCRED_TRY_ASSIGN(std::string value, string_field(ev, "value", eat));
        e.env.emplace_back(std::move(name), std::move(value));
      }
    }
    if (auto ta = p.find("tokenAttributes"); ta != p.end() && !ta->is_null()) {
      const std::string tat = at + "tokenAttributes.";
      if (!ta->is_object()) return fail(Code::parse_error, tat + ": expected an object");
      REGCRED_TRY(known_fields(
          *ta,
          {"serviceAccountTokenAudience", "cacheType", "requireServiceAccount",
           "requiredServiceAccountAnnotationKeys", "optionalServiceAccountAnnotationKeys"},
          tat));
      TokenAttributes t;
      REGCRED_TRY_ASSIGN(t.audience, string_field(*ta, "serviceAccountTokenAudience", tat));
      REGCRED_TRY_ASSIGN(t.cache_type, string_field(*ta, "cacheType", tat));
      if (auto r = ta->find("requireServiceAccount"); r != ta->end() && !r->is_null()) {
        if (!r->is_boolean())
          return fail(Code::parse_error, tat + "requireServiceAccount: expected a bool");
        t.require_service_account = r->get<bool>();
      }
      REGCRED_TRY_ASSIGN(t.required_annotation_keys,
                         string_list(ta->value("requiredServiceAccountAnnotationKeys", json()),
                                     tat + "requiredServiceAccountAnnotationKeys"));
      REGCRED_TRY_ASSIGN(t.optional_annotation_keys,
                         string_list(ta->value("optionalServiceAccountAnnotationKeys", json()),
                                     tat + "optionalServiceAccountAnnotationKeys"));
      e.token_attributes = std::move(t);
    }
    cfg.providers.push_back(std::move(e));
  }
  return cfg;
}

Result<ProviderConfig> read_provider_config_dir(const std::string& dir,
                                                std::vector<ConfigDirEntry> entries) {
  std::sort(entries.begin(), entries.end(),
            [](const ConfigDirEntry& a, const ConfigDirEntry& b) { return a.name < b.name; });
  ProviderConfig all;
  std::set<std::string> names;
  bool any = false;
  for (const auto& e : entries) {
    const bool config_ext =
        e.name.ends_with(".json") || e.name.ends_with(".yaml") || e.name.ends_with(".yml");
    if (e.is_dir || !config_ext) continue;
    any = true;
    auto cfg = decode_provider_config(e.text);
    if (!cfg)
      return fail(cfg.error().code,
                  "error decoding config " + dir + "/" + e.name + ": " + cfg.error().message);
    for (auto& p : cfg->providers) {
      if (!names.insert(p.name).second) {
        return fail(Code::invalid_argument,
                    "duplicate provider name " + dq(p.name) + " found in configuration file(s)");
      }
      all.providers.push_back(std::move(p));
    }
  }
  if (!any) {
    return fail(Code::not_found, "no configuration files found in directory " + dq(dir));
  }
  return all;
}

namespace {

// url.Parse's error for "https://" + s, as kubelet prints it; "" when it parses.
std::string match_image_parse_error(const std::string& image) {
  const std::string full = "https://" + image;
  for (std::size_t i = 0; i < full.size(); ++i) {
    if (full[i] != '%') continue;
    auto hex = [&](std::size_t k) {
      return k < full.size() && std::isxdigit(static_cast<unsigned char>(full[k]));
    };
    if (!hex(i + 1) || !hex(i + 2)) {
      return "parse " + dq(full) + ": invalid URL escape " + dq(full.substr(i, 3));
    }
  }
  if (!parse_url(full)) return "parse " + dq(full) + ": invalid URL";
  return "";
}

bool qualified_name(const std::string& s) {
  // [prefix/]name: name 1-63 of [A-Za-z0-9._-], alphanumeric at both ends; prefix a DNS subdomain.
  auto name_ok = [](std::string_view n) {
    if (n.empty() || n.size() > 63) return false;
    auto an = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
    if (!an(n.front()) || !an(n.back())) return false;
    return std::all_of(n.begin(), n.end(),
                       [&](char c) { return an(c) || c == '-' || c == '_' || c == '.'; });
  };
  auto slash = s.find('/');
  if (slash == std::string::npos) return name_ok(s);
  std::string_view prefix(s.data(), slash);
  if (prefix.empty() || prefix.size() > 253) return false;
  for (char c : prefix) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.'))
      return false;
  }
  return name_ok(std::string_view(s).substr(slash + 1));
}

}  // namespace

Result<void> validate_provider_config(const ProviderConfig& cfg, bool sa_token_gate) {
  std::vector<std::string> errs;
  if (cfg.providers.empty()) {
    errs.push_back("providers: Required value: at least 1 item in plugins is required");
  }
  std::set<std::string> names;
  for (const auto& p : cfg.providers) {
    if (p.name.find('/') != std::string::npos) {
      errs.push_back("providers.name: Invalid value: " + dq(p.name) +
                     ": provider name cannot contain '/'");
    }
    if (p.name.find(' ') != std::string::npos) {
      errs.push_back("providers.name: Invalid value: " + dq(p.name) +
                     ": provider name cannot contain spaces");
    }
    if (p.name == "." || p.name == "..") {
      errs.push_back("providers.name: Invalid value: " + dq(p.name) +
                     ": provider name cannot be '" + p.name + "'");
    }
    if (p.name.empty()) errs.push_back("providers.name: Required value");
    if (!p.name.empty() && !names.insert(p.name).second) {
      errs.push_back("providers.name: Duplicate value: " + dq(p.name));
    }
    if (p.match_images.empty()) {
      errs.push_back(
          "providers.matchImages: Required value: at least 1 item in matchImages is required");
    }
    for (const auto& m : p.match_images) {
      if (auto e = match_image_parse_error(m); !e.empty()) {
        errs.push_back("providers.matchImages: Invalid value: " + dq(m) +
                       ": match image is invalid: " + e);
      }
    }
    if (!p.default_cache_duration) {
      errs.push_back("providers.defaultCacheDuration: Required value");
    } else if (auto d = parse_go_duration(*p.default_cache_duration); d && d->count() < 0) {
      errs.push_back("providers.defaultCacheDuration: Invalid value: " +
                     dq(format_go_duration(*d)) + ": must be greater than or equal to 0");
    }
    if (p.api_version.empty()) {
      errs.push_back("providers.apiVersion: Required value");
    } else if (!is_provider_api_version(p.api_version)) {
      errs.push_back("providers.apiVersion: Unsupported value: " + dq(p.api_version) +
                     ": supported values: \"credentialprovider.kubelet.k8s.io/v1\", "
                     "\"credentialprovider.kubelet.k8s.io/v1alpha1\", "
                     "\"credentialprovider.kubelet.k8s.io/v1beta1\"");
    }
    if (p.token_attributes) {
      const auto& t = *p.token_attributes;
      const std::string at = "providers.tokenAttributes";
      if (!sa_token_gate) {
        errs.push_back(at +
                       ": Forbidden: tokenAttributes is not supported when "
                       "KubeletServiceAccountTokenForCredentialProviders feature gate is disabled");
      }
      if (p.api_version != k_provider_v1) {
        errs.push_back(at + ": Forbidden: tokenAttributes is only supported for " +
                       std::string(k_provider_v1) + " API version");
      }
      if (t.audience.empty()) errs.push_back(at + ".serviceAccountTokenAudience: Required value");
      if (t.cache_type.empty()) {
        errs.push_back(at +
                       ".cacheType: Required value: cacheType is required to be set when "
                       "tokenAttributes is specified. Supported values are: ServiceAccount, Token");
      } else if (t.cache_type != "ServiceAccount" && t.cache_type != "Token") {
        errs.push_back(at + ".cacheType: Unsupported value: " + dq(t.cache_type) +
                       ": supported values: \"ServiceAccount\", \"Token\"");
      }
      if (!t.require_service_account) errs.push_back(at + ".requireServiceAccount: Required value");
      if (t.require_service_account == false && !t.required_annotation_keys.empty()) {
        errs.push_back(at +
                       ".requiredServiceAccountAnnotationKeys: Forbidden: requireServiceAccount "
                       "cannot be false when requiredServiceAccountAnnotationKeys is set");
      }
      std::set<std::string> seen;
      for (const auto* keys : {&t.required_annotation_keys, &t.optional_annotation_keys}) {
        for (const auto& k : *keys) {
          if (!qualified_name(k))
            errs.push_back(at + ": Invalid value: " + dq(k) + ": not a qualified name");
          if (!seen.insert(k).second) errs.push_back(at + ": Duplicate value: " + dq(k));
        }
      }
    }
  }
  if (errs.empty()) return ok();
  std::string msg = errs.size() == 1 ? errs.front() : "[";
  if (errs.size() > 1) {
    for (std::size_t i = 0; i < errs.size(); ++i)
      msg += (i ? ", " : "") + errs[i];
    msg += "]";
  }
  return fail(Code::invalid_argument, msg);
}

// ---- service account tokens ----

Result<ServiceAccountClaims> service_account_claims(const Secret& token) {
  const std::string& t = token.reveal();
  auto dot1 = t.find('.');
  auto dot2 = dot1 == std::string::npos ? dot1 : t.find('.', dot1 + 1);
  if (dot2 == std::string::npos) {
    return fail(Code::invalid_argument,
                "serviceAccountToken: not a JWT (header.payload.signature)");
  }
  std::string payload = t.substr(dot1 + 1, dot2 - dot1 - 1);
  std::replace(payload.begin(), payload.end(), '-', '+');
  std::replace(payload.begin(), payload.end(), '_', '/');
  auto raw = base64_decode(payload, Padding::none);
  if (!raw)
    return fail(Code::invalid_argument, "serviceAccountToken: payload: " + raw.error().message);
  json claims = json::parse(*raw, nullptr, false);
  if (claims.is_discarded() || !claims.is_object()) {
    return fail(Code::invalid_argument, "serviceAccountToken: payload is not a JSON object");
  }
  ServiceAccountClaims c;
  // Bound tokens carry "kubernetes.io": {namespace, serviceaccount{name,uid}, pod{name,uid}}.
  if (auto k = claims.find("kubernetes.io"); k != claims.end() && k->is_object()) {
    c.namespace_ = k->value("namespace", "");
    if (auto sa = k->find("serviceaccount"); sa != k->end() && sa->is_object()) {
      c.name = sa->value("name", "");
      c.uid = sa->value("uid", "");
    }
    if (auto pod = k->find("pod"); pod != k->end() && pod->is_object())
      c.pod = pod->value("name", "");
  }
  // sub: system:serviceaccount:<namespace>:<name>; it must agree with the claims above.
  const std::string sub = claims.value("sub", "");
  const std::string prefix = "system:serviceaccount:";
  if (sub.starts_with(prefix)) {
    std::string rest = sub.substr(prefix.size());
    auto colon = rest.find(':');
    std::string ns = rest.substr(0, colon);
    std::string name = colon == std::string::npos ? "" : rest.substr(colon + 1);
    if ((!c.namespace_.empty() && c.namespace_ != ns) || (!c.name.empty() && c.name != name)) {
      return fail(Code::invalid_argument,
                  "serviceAccountToken: sub names another service account than kubernetes.io");
    }
    c.namespace_ = ns;
    c.name = name;
  }
  if (c.namespace_.empty()) {
    return fail(Code::invalid_argument, "serviceAccountToken: no namespace in its claims");
  }
  if (auto e = claims.find("exp"); e != claims.end() && e->is_number())
    c.expires = e->get<std::int64_t>();
  return c;
}

}  // namespace regcred::core
