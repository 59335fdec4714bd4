#include "common/io/state_folder.hpp"

#include <nlohmann/json.hpp>

#include "common/core/docker_config.hpp"
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

}  // namespace regcred::io::state_folder
