#include "common/core/secret_manifest.hpp"

#include <sstream>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "common/core/go/encoding.hpp"
#include "common/core/limits.hpp"
#include "common/core/yaml_node.hpp"

namespace regcred::core {
namespace {

// Both YAML (yaml-cpp) and JSON (nlohmann, stricter about JSON than a YAML parser is) are read
// into a YAML::Node tree.
std::string str(const YAML::Node& n) {
  return n && n.IsScalar() ? n.Scalar() : std::string();
}

Result<std::map<std::string, std::string>> string_map(const YAML::Node& n, const std::string& at) {
  std::map<std::string, std::string> out;
  if (!n || n.IsNull()) return out;
  if (!n.IsMap()) return fail(Code::parse_error, at + ": expected a map");
  for (const auto& kv : n) {
    if (!kv.second.IsScalar() && !kv.second.IsNull())
      return fail(Code::parse_error, at + "[" + kv.first.Scalar() + "]: expected a string");
    out[kv.first.Scalar()] = kv.second.IsNull() ? std::string() : kv.second.Scalar();
  }
  return out;
}

Result<SecretManifest> to_secret(const YAML::Node& obj, const std::string& origin) {
  SecretManifest s;
  s.origin = origin;
  const auto meta = obj["metadata"];
  if (!meta || !meta.IsMap()) return fail(Code::parse_error, "metadata: missing");
  s.name = str(meta["name"]);
  if (s.name.empty()) return fail(Code::parse_error, "metadata.name: missing");
  s.namespace_ = str(meta["namespace"]);
  s.uid = str(meta["uid"]);
  s.resource_version = str(meta["resourceVersion"]);
  REGCRED_TRY_ASSIGN(s.labels, string_map(meta["labels"], "metadata.labels"));
  REGCRED_TRY_ASSIGN(s.annotations, string_map(meta["annotations"], "metadata.annotations"));
  s.type = str(obj["type"]);
  if (s.type.empty()) s.type = "Opaque";  // the API server's default
  REGCRED_TRY_ASSIGN(auto data, string_map(obj["data"], "data"));
  REGCRED_TRY_ASSIGN(auto string_data, string_map(obj["stringData"], "stringData"));
  set_secret_data(s, std::move(data), std::move(string_data));
  return s;
}

void collect(const YAML::Node& obj, const std::string& origin, ManifestSet& out) {
  if (!obj || obj.IsNull()) return;  // an empty document
  if (!obj.IsMap()) {
    out.problems.push_back(Error{Code::parse_error, origin + ": not a Kubernetes object"});
    return;
  }
  const std::string kind = str(obj["kind"]);
  if (kind == "List" || kind == "SecretList") {
    const auto items = obj["items"];
    if (!items || !items.IsSequence()) {
      out.problems.push_back(Error{Code::parse_error, origin + ": items: expected a list"});
      return;
    }
    for (std::size_t i = 0; i < items.size(); ++i)
      collect(items[i], origin + ".items[" + std::to_string(i) + "]", out);
    return;
  }
  if (kind != "Secret") return;
  auto s = to_secret(obj, origin);
  if (s) {
    out.secrets.push_back(std::move(*s));
  } else {
    out.problems.push_back(std::move(s).error().context(origin));
  }
}

// yaml-cpp 0.7's LoadAll loops for ever, allocating a null document each turn, when the parser
// meets a token no node can start with: HandleNextDocument reports a document without consuming
// the token (jbeder/yaml-cpp#1319, fixed after 0.8). A first pass with an event handler that
// builds nothing notices a document starting where the one before it started, and stops there
// with the place. Only then does LoadAll build the nodes. The cost is a second parse of YAML
// manifests only (a --secrets-dir file; JSON goes to nlohmann).
class StartProbe final : public YAML::EventHandler {
 public:
  YAML::Mark start;
  void OnDocumentStart(const YAML::Mark& mark) override { start = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// Throws YAML::Exception as LoadAll would.
void check_yaml_progress(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  StartProbe probe;
  int previous = -1;
  while (parser.HandleNextDocument(probe)) {
    if (probe.start.pos <= previous) {
      throw YAML::ParserException(probe.start, "unexpected token where a document should start");
    }
    previous = probe.start.pos;
  }
}

}  // namespace

void set_secret_data(SecretManifest& s, std::map<std::string, std::string> data,
                     std::map<std::string, std::string> string_data) {
  for (auto& [k, v] : data) {
    auto decoded = base64_decode(v, Padding::required);
    if (decoded) {
      s.data[k] = Secret(std::move(*decoded));
    } else {
      s.data_error[k] = "not base64: " + decoded.error().message;
    }
    s.data_raw[k] = std::move(v);
  }
  for (auto& [k, v] : string_data) {
    s.data[k] = Secret(std::move(v));
    s.data_error.erase(k);
    s.data_raw.erase(k);
    s.string_data_keys.push_back(k);
  }
}

std::string SecretManifest::display_name() const {
  return namespace_.empty() ? name : namespace_ + "/" + name;
}

Result<ManifestSet> parse_secret_manifests(std::string_view text, std::string_view origin) {
  ManifestSet out;
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && (text[first] == '{' || text[first] == '[')) {
    if (json_deeper_than(text)) {
      return fail(Code::parse_error, std::string(origin) + ": JSON nested deeper than " +
                                         std::to_string(k_max_json_depth) + " levels");
    }
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      // what() quotes what it last read, which may be a credential: keep only the offset.
      return fail(Code::parse_error, std::string(origin) + ": not JSON: syntax error at byte " +
                                         std::to_string(e.byte));
    } catch (const nlohmann::json::exception&) {
      return fail(Code::parse_error, std::string(origin) + ": not JSON: a value out of range");
    }
    collect(detail::to_yaml_node(j), std::string(origin), out);
    return out;
  }
  std::vector<YAML::Node> docs;
  try {
    std::string owned(text);
    check_yaml_progress(owned);
    docs = YAML::LoadAll(owned);
  } catch (const YAML::Exception& e) {
    // e.msg is yaml-cpp's reason without the input text; the mark gives line and column.
    return fail(Code::parse_error, std::string(origin) + ": not YAML: line " +
                                       std::to_string(e.mark.line + 1) + ", column " +
                                       std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  for (std::size_t i = 0; i < docs.size(); ++i) {
    const std::string where =
        docs.size() == 1 ? std::string(origin) : std::string(origin) + "#" + std::to_string(i + 1);
    try {
      collect(docs[i], where, out);
    } catch (const YAML::Exception& e) {
      out.problems.push_back(Error{Code::parse_error, where + ": " + e.msg});
    }
  }
  return out;
}

Result<DockerConfig> pull_secret_config(const SecretManifest& s) {
  const bool new_type = s.type == k_type_dockerconfigjson;
  if (!new_type && s.type != k_type_dockercfg)
    return fail(Code::invalid_argument, "type " + s.type + " is not a pull secret type");
  const std::string_view key = new_type ? k_key_dockerconfigjson : k_key_dockercfg;
  const std::string k(key);
  if (auto err = s.data_error.find(k); err != s.data_error.end())
    return fail(Code::parse_error, "data[" + k + "]: " + err->second);
  auto it = s.data.find(k);
  if (it == s.data.end())
    return fail(Code::invalid_argument, "type " + s.type + " needs data[" + k + "]");
  std::size_t size = 0;
  for (const auto& [name, value] : s.data)
    size += name.size() + value.reveal().size();
  if (size > k_max_secret_data) {
    return fail(Code::invalid_argument, "data: " + std::to_string(size) +
                                            " bytes; the API server stores at most " +
                                            std::to_string(k_max_secret_data) + " in one secret");
  }
  auto cfg =
      DockerConfig::parse(it->second.reveal(), new_type ? Format::config_json : Format::dockercfg);
  if (!cfg) return fail(std::move(cfg).error().context(k));
  if (cfg->auths().size() > k_max_registries_per_secret) {
    return fail(Code::invalid_argument, "data[" + k + "]: " + std::to_string(cfg->auths().size()) +
                                            " registries; at most " +
                                            std::to_string(k_max_registries_per_secret) +
                                            " in one secret");
  }
  return cfg;
}

}  // namespace regcred::core
