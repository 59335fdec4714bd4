#include "common/io/state_folder.hpp"

#include <nlohmann/json.hpp>

#include "common/core/docker_config.hpp"
#include "common/core/json_fields.hpp"
#include "common/core/lookup_index.hpp"
#include "common/io/local_store.hpp"
#include "common/io/safe_file.hpp"

namespace regcred::io::state_folder {
namespace {

using nlohmann::json;
constexpr std::size_t k_max_state_size = 256U << 20U;

// The state folder; nullopt when there is none yet (an empty store, not an error).
Result<std::optional<Dir>> open_state_dir(const std::string& state_dir) {
  auto dir = open_dir(state_dir, CreateDirs::no);
  if (!dir && dir.error().code == Code::not_found) return std::optional<Dir>();
  if (!dir) return fail(dir.error());
  return std::optional<Dir>(std::move(*dir));
}

Result<std::optional<std::string>> read_state_file(const std::string& state_dir,
                                                   std::string_view name) {
  REGCRED_TRY_ASSIGN(auto dir, open_state_dir(state_dir));
  if (!dir) return std::optional<std::string>();
  REGCRED_TRY_ASSIGN(auto content, read_file(*dir, name, k_max_state_size));
  if (!content) return std::optional<std::string>();
  return std::optional<std::string>(std::move(content->text));
}

Result<std::optional<MappedFile>> map_state_file(const std::string& state_dir,
                                                 std::string_view name) {
  REGCRED_TRY_ASSIGN(auto dir, open_state_dir(state_dir));
  if (!dir) return std::optional<MappedFile>();
  return map_file(*dir, name, k_max_state_size);
}

Result<core::CredentialTable> with_local(const std::string& state_dir,
                                         core::CredentialTable cluster) {
  auto local = load_local(state_dir);
  if (!local) {
    // No state folder yet is an empty store, not an error.
    if (local.error().code == Code::not_found) return cluster;
    return fail(local.error());
  }
  return core::merge_tables(core::local_table(*local), cluster);
}

}  // namespace

Result<core::CredentialTable> read_table(const std::string& state_dir, const Filter& filter) {
  // The lookup index first, mapped: only the lines that can answer are decoded.
  REGCRED_TRY_ASSIGN(auto idx, map_state_file(state_dir, k_lookup));
  if (idx && filter.kind != Filter::all) {
    auto picked = filter.kind == Filter::registry ? core::lookup_registry(idx->view(), filter.value)
                                                  : core::lookup_image(idx->view(), filter.value);
    if (!picked) {
      return fail(Code::parse_error, "read " + state_dir + "/" + std::string(k_lookup) + ": " +
                                         picked.error().message);
    }
    if (!filter.local) return std::move(*picked);
    return with_local(state_dir, std::move(*picked));
  }
  REGCRED_TRY_ASSIGN(auto text, read_state_file(state_dir, k_credentials));
  core::CredentialTable cluster;
  if (text) {
    auto cfg = core::DockerConfig::parse(*text);
    if (!cfg) {
      return fail(Code::parse_error, "read " + state_dir + "/" + std::string(k_credentials) + ": " +
                                         cfg.error().message);
    }
    cluster = core::table_of_state(*cfg);
  }
  if (!filter.local) return cluster;
  return with_local(state_dir, std::move(cluster));
}

Result<std::optional<core::CredentialTable>> read_namespace_table(const std::string& state_dir,
                                                                  const std::string& ns) {
  REGCRED_TRY_ASSIGN(auto text, read_state_file(state_dir, k_namespaces));
  if (!text) return std::optional<core::CredentialTable>();
  json j = json::parse(*text, nullptr, false);
  if (!j.is_object() || !j.contains("namespaces") || !j["namespaces"].is_object()) {
    return fail(Code::parse_error,
                "read " + state_dir + "/" + std::string(k_namespaces) + ": not a namespace index");
  }
  auto it = j["namespaces"].find(ns);
  if (it == j["namespaces"].end())
    return std::optional<core::CredentialTable>(core::CredentialTable{});
  REGCRED_TRY_ASSIGN(auto cfg, core::DockerConfig::parse(it->dump()));
  return std::optional<core::CredentialTable>(core::table_of_state(cfg));
}

// ---- the writer ----

Result<void> write_state_file(const std::string& state_dir, std::string_view name,
                              const std::string& text) {
  REGCRED_TRY_ASSIGN(Dir dir, open_dir(state_dir, CreateDirs::yes));
  return write_file(dir, name, text, WriteOptions{0600, false});
}

std::string render_credentials(const core::StoreEntries& entries) {
  // nlohmann::json (a std::map) rather than ordered_json: sorted output in O(n log n).
  nlohmann::json auths = nlohmann::json::object();
  nlohmann::json sources = nlohmann::json::object();
  for (const auto& [key, e] : entries) {
    nlohmann::json j = nlohmann::json::object();
    // The store file is a credential file by design: it is what the helpers answer from.
    if (!e.credential.username.empty() || !e.credential.password.empty()) {
      j["auth"] = core::encode_auth(e.credential.username, e.credential.password).reveal();
    }
    if (!e.email.empty()) j["email"] = e.email;
    if (!e.credential.identitytoken.empty()) {
      j["identitytoken"] = e.credential.identitytoken.reveal();
    }
    auths[key] = std::move(j);
    sources[key] = {{"source", e.from.source},
                    {"namespace", e.from.namespace_},
                    {"name", e.from.name},
                    {"uid", e.from.uid},
                    {"resourceVersion", e.from.resource_version}};
  }
  nlohmann::json root = {{"auths", std::move(auths)},
                         {"x-regcred", {{"version", 1}, {"sources", std::move(sources)}}}};
  return core::json_text(root, 1, '\t');
}

std::string render_namespaces(const NamespaceTables& tables) {
  nlohmann::json namespaces = nlohmann::json::object();
  for (const auto& [ns, table] : tables) {
    nlohmann::json auths = nlohmann::json::object();
    nlohmann::json sources = nlohmann::json::object();
    for (const auto& e : table) {
      nlohmann::json j = nlohmann::json::object();
      if (!e.credential.username.empty() || !e.credential.password.empty()) {
        j["auth"] = core::encode_auth(e.credential.username, e.credential.password).reveal();
      }
      auths[e.key] = std::move(j);
      // rank is namespace \0 name \0 source.
      auto a = e.rank.find('\0');
      auto b = e.rank.find('\0', a + 1);
      sources[e.key] = {{"namespace", e.rank.substr(0, a)},
                        {"name", e.rank.substr(a + 1, b - a - 1)},
                        {"source", e.rank.substr(b + 1)}};
    }
    namespaces[ns] = {{"auths", std::move(auths)},
                      {"x-regcred", {{"version", 1}, {"sources", std::move(sources)}}}};
  }
  nlohmann::json root = {{"version", 1}, {"namespaces", std::move(namespaces)}};
  return core::json_text(root, 1, '\t');
}

Result<void> save(const std::string& state_dir, const Snapshot& snapshot) {
  if (auto r = write_state_file(state_dir, k_credentials, render_credentials(snapshot.entries)); !r)
    return fail(std::move(r).error().context("save the credential store"));
  if (auto r = write_state_file(state_dir, k_lookup,
                                core::render_lookup_index(core::table_of(snapshot.entries)));
      !r) {
    return fail(std::move(r).error().context("save the helpers' lookup index"));
  }
  if (snapshot.namespaces) {
    if (auto r = write_state_file(state_dir, k_namespaces, render_namespaces(*snapshot.namespaces));
        !r) {
      return fail(std::move(r).error().context("save the namespace credentials"));
    }
  }
  return ok();
}

Result<core::CredentialTable> read_previous(const std::string& state_dir) {
  REGCRED_TRY_ASSIGN(Dir dir, open_dir(state_dir, CreateDirs::yes));
  REGCRED_TRY_ASSIGN(auto content, read_file(dir, k_credentials, k_max_state_size));
  if (!content) return core::CredentialTable{};
  auto cfg = core::DockerConfig::parse(content->text);
  if (!cfg) return core::CredentialTable{};
  return core::table_of_state(*cfg);
}

}  // namespace regcred::io::state_folder
