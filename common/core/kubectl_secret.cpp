#include "common/core/kubectl_secret.hpp"

#include <algorithm>

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "common/core/docker_config.hpp"
#include "common/core/go/encoding.hpp"

namespace regcred::core {
namespace {

bool is_dns1123_label(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  auto ok = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; };
  return std::all_of(s.begin(), s.end(), ok) && s.front() != '-' && s.back() != '-';
}

bool is_dns1123_subdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  std::size_t start = 0;
  while (true) {
    const auto dot = s.find('.', start);
    if (!is_dns1123_label(s.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

}  // namespace

Secret kubectl_dockerconfigjson(const DockerRegistrySecretSpec& spec) {
  // Field order and omitempty of kubectl's DockerConfigEntry.
  std::string entry;
  auto field = [&](std::string_view name, std::string_view value) {
    if (value.empty()) return;
    entry += entry.empty() ? "" : ",";
    entry += go_json_quote(name) + ":" + go_json_quote(value);
  };
  field("username", spec.username);
  field("password", spec.password.reveal());
  field("email", spec.email);
  field("auth", encode_auth(spec.username, spec.password).reveal());
  return Secret("{\"auths\":{" + go_json_quote(spec.server) + ":{" + entry + "}}}");
}

Result<void> validate(const DockerRegistrySecretSpec& spec) {
  if (!is_dns1123_subdomain(spec.name))
    return fail(Code::invalid_argument,
                "secret name \"" + spec.name +
                    "\": must be lower-case letters, digits, '-' and '.' (a DNS-1123 subdomain)");
  if (spec.namespace_ && !is_dns1123_label(*spec.namespace_))
    return fail(Code::invalid_argument,
                "namespace \"" + *spec.namespace_ +
                    "\": must be lower-case letters, digits and '-' (a DNS-1123 label)");
  if (spec.username.empty()) return fail(Code::invalid_argument, "--docker-username is required");
  if (spec.password.empty()) return fail(Code::invalid_argument, "the password is empty");
  if (spec.server.empty()) return fail(Code::invalid_argument, "--docker-server is empty");
  return ok();
}

std::string render_docker_registry_secret(const DockerRegistrySecretSpec& spec, OutputFormat fmt) {
  const std::string data = base64_encode(kubectl_dockerconfigjson(spec).reveal());
  if (fmt == OutputFormat::json) {
    nlohmann::ordered_json meta = {{"name", spec.name}};
    if (spec.namespace_) meta["namespace"] = *spec.namespace_;
    meta["creationTimestamp"] = nullptr;
    const nlohmann::ordered_json j = {{"kind", "Secret"},
                                      {"apiVersion", "v1"},
                                      {"metadata", meta},
                                      {"data", {{".dockerconfigjson", data}}},
                                      {"type", "kubernetes.io/dockerconfigjson"}};
    return j.dump(4) + "\n";
  }
  // kubectl converts the JSON object to YAML with sorted keys.
  YAML::Emitter out;
  out.SetNullFormat(YAML::LowerNull);
  out << YAML::BeginMap;
  out << YAML::Key << "apiVersion" << YAML::Value << "v1";
  out << YAML::Key << "data" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << ".dockerconfigjson" << YAML::Value << data << YAML::EndMap;
  out << YAML::Key << "kind" << YAML::Value << "Secret";
  out << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "creationTimestamp" << YAML::Value << YAML::Null;
  out << YAML::Key << "name" << YAML::Value << spec.name;
  if (spec.namespace_) out << YAML::Key << "namespace" << YAML::Value << *spec.namespace_;
  out << YAML::EndMap;
  out << YAML::Key << "type" << YAML::Value << "kubernetes.io/dockerconfigjson";
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace regcred::core
