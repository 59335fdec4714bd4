// provider_config.cpp: kubelet's hashes (SHA-256, OpenSSL) and its CredentialProviderConfig
// (YAML). Apart from provider.cpp so the exec'd helpers link neither libcrypto nor yaml-cpp.
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <set>

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "common/core/go/duration.hpp"
#include "common/core/go/encoding.hpp"
#include "common/core/json_fields.hpp"
#include "common/core/provider.hpp"
#include "common/core/provider_config.hpp"
#include "common/core/provider_detail.hpp"
#include "common/core/url.hpp"

namespace regcred::core {
namespace {

using detail::dq;
using detail::string_field;
using nlohmann::json;

}  // namespace

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
  const json providers = json_value(j, "providers", json::array());
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
                       string_list(json_value(p, "matchImages", json()), at + "matchImages"));
    REGCRED_TRY_ASSIGN(e.args, string_list(json_value(p, "args", json()), at + "args"));
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
      REGCRED_TRY_ASSIGN(
          t.required_annotation_keys,
          string_list(json_value(*ta, "requiredServiceAccountAnnotationKeys", json()),
                      tat + "requiredServiceAccountAnnotationKeys"));
      REGCRED_TRY_ASSIGN(
          t.optional_annotation_keys,
          string_list(json_value(*ta, "optionalServiceAccountAnnotationKeys", json()),
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

}  // namespace regcred::core
