#include "helper/common/backend.hpp"
#include "common/core/json_fields.hpp"

#include <chrono>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "common/core/docker_config.hpp"
#include "common/core/lookup_index.hpp"
#include "common/io/local_store.hpp"
#include "common/io/safe_file.hpp"
#include "common/io/status_client.hpp"

namespace regcred::helper_common {
namespace {

using nlohmann::json;
constexpr std::size_t k_max_state_size = 256U << 20U;

// A daemon answer that is not 2xx: its "error" text.
std::string error_of(const io::HttpReply& r) {
  json j = json::parse(r.body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_string()) return j["error"];
  return "regcredd answered " + std::to_string(r.status);
}

// The state folder; nullopt when there is none yet (an empty store, not an error).
Result<std::optional<io::Dir>> open_state_dir(const std::string& state_dir) {
  auto dir = io::open_dir(state_dir, io::CreateDirs::no);
  if (!dir && dir.error().code == Code::not_found) return std::optional<io::Dir>();
  if (!dir) return fail(dir.error());
  return std::optional<io::Dir>(std::move(*dir));
}

Result<std::optional<std::string>> read_state_file(const std::string& state_dir,
                                                   std::string_view name) {
  REGCRED_TRY_ASSIGN(auto dir, open_state_dir(state_dir));
  if (!dir) return std::optional<std::string>();
  REGCRED_TRY_ASSIGN(auto content, io::read_file(*dir, name, k_max_state_size));
  if (!content) return std::optional<std::string>();
  return std::optional<std::string>(std::move(content->text));
}

Result<std::optional<io::MappedFile>> map_state_file(const std::string& state_dir,
                                                     std::string_view name) {
  REGCRED_TRY_ASSIGN(auto dir, open_state_dir(state_dir));
  if (!dir) return std::optional<io::MappedFile>();
  return io::map_file(*dir, name, k_max_state_size);
}

}  // namespace

std::optional<std::string> process_env(const std::string& name) {
  const char* v = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe): one thread
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

Result<core::CredentialTable> Backend::state_table(const Filter& filter) const {
  // The lookup index first, mapped: only the lines that can answer are decoded.
  REGCRED_TRY_ASSIGN(auto idx, map_state_file(state_dir_, "lookup.idx"));
  if (idx && filter.kind != Filter::all) {
    auto picked = filter.kind == Filter::registry ? core::lookup_registry(idx->view(), filter.value)
                                                  : core::lookup_image(idx->view(), filter.value);
    if (!picked) {
      return fail(Code::parse_error,
                  "read " + state_dir_ + "/lookup.idx: " + picked.error().message);
    }
    return with_local(std::move(*picked));
  }
  REGCRED_TRY_ASSIGN(auto text, read_state_file(state_dir_, "credentials.json"));
  core::CredentialTable cluster;
  if (text) {
    auto cfg = core::DockerConfig::parse(*text);
    if (!cfg) {
      return fail(Code::parse_error,
                  "read " + state_dir_ + "/credentials.json: " + cfg.error().message);
    }
    cluster = core::table_of_state(*cfg);
  }
  return with_local(std::move(cluster));
}

Result<core::CredentialTable> Backend::with_local(core::CredentialTable cluster) const {
  auto local = io::load_local(state_dir_);
  if (!local) {
    // No state folder yet is an empty store, not an error.
    if (local.error().code == Code::not_found) return cluster;
    return fail(local.error());
  }
  return core::merge_tables(core::local_table(*local), cluster);
}

Result<std::optional<core::CredentialTable>> Backend::namespace_table(const std::string& ns) const {
  REGCRED_TRY_ASSIGN(auto text, read_state_file(state_dir_, "namespaces.json"));
  // No file: the daemon does not run with --namespace-credentials; the node's answer stands.
  if (!text) return std::optional<core::CredentialTable>();
  json j = json::parse(*text, nullptr, false);
  if (!j.is_object() || !j.contains("namespaces") || !j["namespaces"].is_object()) {
    return fail(Code::parse_error,
                "read " + state_dir_ + "/namespaces.json: not a namespace index");
  }
  auto it = j["namespaces"].find(ns);
  if (it == j["namespaces"].end())
    return std::optional<core::CredentialTable>(core::CredentialTable{});
  REGCRED_TRY_ASSIGN(auto cfg, core::DockerConfig::parse(it->dump()));
  return std::optional<core::CredentialTable>(core::table_of_state(cfg));
}

Result<std::optional<GetAnswer>> Backend::get(std::string_view server) {
  // What names no registry cannot match (a namespace path, or longer than any host name and
  // port could be): answered here, so a huge stdin never becomes a huge request.
  constexpr std::size_t k_max_server = 4096;
  if (server.size() > k_max_server || !core::helper::registry_of(server)) {
    used_daemon_ = false;
    return std::optional<GetAnswer>();
  }
  auto r = io::status_request(socket_, "POST", "/v1/helper/get",
                              json{{"server", std::string(server)}}.dump());
  used_daemon_ = r.has_value();
  if (r) {
    if (r->status == 404) return std::optional<GetAnswer>();
    if (r->status != 200) return fail(Code::unavailable, error_of(*r));
    json j = json::parse(r->body, nullptr, false);
    if (!j.is_object()) return fail(Code::parse_error, "regcredd: an answer that is not JSON");
    return std::optional<GetAnswer>(
        GetAnswer{core::json_value(j, "username", ""), Secret(core::json_value(j, "secret", ""))});
  }
  if (r.error().code != Code::unavailable) return fail(r.error());
  REGCRED_TRY_ASSIGN(auto table, state_table({Filter::registry, std::string(server)}));
  const core::TableEntry* e = core::helper_get(table, server);
  if (e == nullptr) return std::optional<GetAnswer>();
  const auto& c = e->credential;
  if (c.password.empty() && !c.identitytoken.empty()) {
    return std::optional<GetAnswer>(
        GetAnswer{std::string(core::helper::k_token_username), c.identitytoken});
  }
  return std::optional<GetAnswer>(GetAnswer{c.username, c.password});
}

Result<std::map<std::string, std::string>> Backend::list() {
  auto r = io::status_request(socket_, "GET", "/v1/helper/list", "");
  used_daemon_ = r.has_value();
  if (r) {
    if (r->status != 200) return fail(Code::unavailable, error_of(*r));
    json j = json::parse(r->body, nullptr, false);
    std::map<std::string, std::string> out;
    if (j.is_object() && j.contains("entries") && j["entries"].is_object()) {
      for (const auto& [k, v] : j["entries"].items()) {
        if (v.is_string()) out[k] = v.get<std::string>();
      }
    }
    return out;
  }
  if (r.error().code != Code::unavailable) return fail(r.error());
  REGCRED_TRY_ASSIGN(auto table, state_table({Filter::all, ""}));
  return core::helper_list(table);
}

Result<void> Backend::store(const core::helper::Credentials& c) {
  json body = {{"serverURL", c.server_url}, {"username", c.username}};
  body["secret"] = c.secret.reveal();
  auto r = io::status_request(socket_, "POST", "/v1/helper/store", body.dump());
  used_daemon_ = r.has_value();
  if (r) {
    if (r->status != 200) return fail(Code::invalid_argument, error_of(*r));
    return ok();
  }
  if (r.error().code != Code::unavailable) return fail(r.error());
  // The daemon is down: edit local.json ourselves; it loads the file when it starts.
  auto edited = io::edit_local(state_dir_, [&](core::DockerConfig& local) -> Result<bool> {
    REGCRED_TRY(core::store_local(local, c));
    return true;
  });
  if (!edited) return fail(edited.error());
  return ok();
}

Result<EraseAnswer> Backend::erase(std::string_view server) {
  if (server.size() > 4096 || !core::helper::registry_of(server)) {
    used_daemon_ = false;
    return EraseAnswer{EraseOutcome::not_found, ""};
  }
  auto r = io::status_request(socket_, "POST", "/v1/helper/erase",
                              json{{"server", std::string(server)}}.dump());
  used_daemon_ = r.has_value();
  if (r) {
    if (r->status == 200) return EraseAnswer{EraseOutcome::erased, ""};
    if (r->status == 404) return EraseAnswer{EraseOutcome::not_found, ""};
    if (r->status == 409) return EraseAnswer{EraseOutcome::refused, error_of(*r)};
    return fail(Code::unavailable, error_of(*r));
  }
  if (r.error().code != Code::unavailable) return fail(r.error());
  bool erased = false;
  auto edited = io::edit_local(state_dir_, [&](core::DockerConfig& local) -> Result<bool> {
    erased = core::erase_local(local, server);
    return erased;
  });
  if (!edited && edited.error().code != Code::not_found) return fail(edited.error());
  if (erased) return EraseAnswer{EraseOutcome::erased, ""};
  REGCRED_TRY_ASSIGN(auto table, state_table({Filter::registry, std::string(server)}));
  if (const auto* e = core::helper_get(table, server)) {
    return EraseAnswer{EraseOutcome::refused, core::erase_refused_text(server, *e)};
  }
  return EraseAnswer{EraseOutcome::not_found, ""};
}

Result<std::string> Backend::provide(std::string_view request_text,
                                     const core::ProviderRequest& req,
                                     std::string_view hit_duration) {
  auto r = io::status_request(
      socket_, "POST", "/v1/provider?cacheDuration=" + std::string(hit_duration), request_text);
  used_daemon_ = r.has_value();
  if (r) {
    if (r->status != 200) return fail(Code::invalid_argument, error_of(*r));
    return std::move(r->body);
  }
  if (r.error().code != Code::unavailable) return fail(r.error());
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  REGCRED_TRY_ASSIGN(auto ns, core::request_namespace(req, now));
  std::optional<core::CredentialTable> table;
  if (ns) {
    REGCRED_TRY_ASSIGN(table, namespace_table(*ns));
  }
  if (!table) {
    REGCRED_TRY_ASSIGN(table, state_table({Filter::image, req.image}));
  }
  auto a = core::provider_answer(*table, req.image, req.api_version, hit_duration);
  return core::encode_provider_response(a.response);
}

}  // namespace regcred::helper_common
