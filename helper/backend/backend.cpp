#include "helper/backend/backend.hpp"

#include <chrono>
#include <cstdlib>

#include "common/core/socket_api.hpp"
#include "common/io/local_store.hpp"
#include "common/io/state_folder.hpp"
#include "common/io/status_client.hpp"

namespace regcred::helper_backend {
namespace {

namespace socket_api = core::socket_api;
namespace state_folder = io::state_folder;

// What names no registry cannot match (a namespace path, or longer than any host name and port
// could be): answered here, so a huge stdin never becomes a huge request.
bool names_a_registry(std::string_view server) {
  constexpr std::size_t k_max_server = 4096;
  return server.size() <= k_max_server && core::helper::registry_of(server).has_value();
}

// How long get, list and the provider wait for regcredd before they answer from the state
// folder: kubelet and docker wait on them, and a daemon that is busy, hung or flooded must not
// hold them longer than a daemon that is down.
constexpr auto k_answer_deadline = std::chrono::seconds(1);

// Whether regcredd answered: a reply it meant (2xx, 4xx). No reply in time, a closed
// connection, or a 5xx (regcredd not configured) sends the helper to the state folder.
bool answered(const Result<io::HttpReply>& r) {
  return r.has_value() && r->status < 500;
}

// A daemon answer that is not 2xx: its "error" text.
std::string error_of(const io::HttpReply& r) {
  std::string text = socket_api::error_text(r.body);
  return text.empty() ? "regcredd answered " + std::to_string(r.status) : text;
}

}  // namespace

std::optional<std::string> process_env(const std::string& name) {
  const char* v = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe): one thread
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

std::unique_ptr<Backend> daemon_backend(const std::string& socket, const std::string& state_dir) {
  return std::make_unique<DaemonBackend>(socket, state_dir);
}

Result<core::CredentialTable> DaemonBackend::state_for_image(const std::string& image) const {
  return state_folder::read_table(state_dir_, {state_folder::Filter::image, image});
}

Result<std::optional<GetAnswer>> DaemonBackend::get(std::string_view server) {
  if (!names_a_registry(server)) {
    used_daemon_ = false;
    return std::optional<GetAnswer>();
  }
  auto r = io::status_request(socket_, "POST", socket_api::k_helper_get,
                              socket_api::encode(socket_api::ServerRequest{std::string(server)}),
                              k_answer_deadline);
  used_daemon_ = answered(r);
  if (used_daemon_) {
    if (r->status == 404) return std::optional<GetAnswer>();
    if (r->status != 200) return fail(Code::unavailable, error_of(*r));
    REGCRED_TRY_ASSIGN(auto a, socket_api::decode_get_answer(r->body));
    return std::optional<GetAnswer>(GetAnswer{std::move(a.username), std::move(a.secret)});
  }
  REGCRED_TRY_ASSIGN(
      auto table,
      state_folder::read_table(state_dir_, {state_folder::Filter::registry, std::string(server)}));
  const core::TableEntry* e = core::helper_get(table, server);
  if (e == nullptr) return std::optional<GetAnswer>();
  const auto& c = e->credential;
  if (c.password.empty() && !c.identitytoken.empty()) {
    return std::optional<GetAnswer>(
        GetAnswer{std::string(core::helper::k_token_username), c.identitytoken});
  }
  return std::optional<GetAnswer>(GetAnswer{c.username, c.password});
}

Result<std::map<std::string, std::string>> DaemonBackend::list() {
  auto r = io::status_request(socket_, "GET", socket_api::k_helper_list, "", k_answer_deadline);
  used_daemon_ = answered(r);
  if (used_daemon_) {
    if (r->status != 200) return fail(Code::unavailable, error_of(*r));
    return socket_api::decode_list(r->body);
  }
  REGCRED_TRY_ASSIGN(auto table, state_folder::read_table(state_dir_, {}));
  return core::helper_list(table);
}

Result<void> DaemonBackend::store(const core::helper::Credentials& c) {
  auto r = io::status_request(socket_, "POST", socket_api::k_helper_store, socket_api::encode(c));
  used_daemon_ = r.has_value();
  if (r) {
    if (r->status != 200) return fail(Code::invalid_argument, error_of(*r));
    return ok();
  }
  if (r.error().code != Code::unavailable) return fail(r.error());
  // The daemon is down: edit local.json here; it loads the file when it starts.
  REGCRED_TRY(io::store_local_credential(state_dir_, c));
  return ok();
}

Result<EraseAnswer> DaemonBackend::erase(std::string_view server) {
  if (!names_a_registry(server)) {
    used_daemon_ = false;
    return EraseAnswer{EraseOutcome::not_found, ""};
  }
  auto r = io::status_request(socket_, "POST", socket_api::k_helper_erase,
                              socket_api::encode(socket_api::ServerRequest{std::string(server)}));
  used_daemon_ = r.has_value();
  if (r) {
    if (r->status == 200) return EraseAnswer{EraseOutcome::erased, ""};
    if (r->status == 404) return EraseAnswer{EraseOutcome::not_found, ""};
    if (r->status == 409) return EraseAnswer{EraseOutcome::refused, error_of(*r)};
    return fail(Code::unavailable, error_of(*r));
  }
  if (r.error().code != Code::unavailable) return fail(r.error());
  auto erased = io::erase_local_credential(state_dir_, server);
  if (!erased && erased.error().code != Code::not_found) return fail(erased.error());
  if (erased && *erased) return EraseAnswer{EraseOutcome::erased, ""};
  REGCRED_TRY_ASSIGN(
      auto table,
      state_folder::read_table(state_dir_, {state_folder::Filter::registry, std::string(server)}));
  if (const auto* e = core::helper_get(table, server)) {
    return EraseAnswer{EraseOutcome::refused, core::erase_refused_text(server, *e)};
  }
  return EraseAnswer{EraseOutcome::not_found, ""};
}

Result<std::string> DaemonBackend::provide(std::string_view request_text,
                                           const core::ProviderRequest& req,
                                           std::string_view hit_duration) {
  auto r = io::status_request(socket_, "POST", socket_api::provider_target(hit_duration),
                              request_text, k_answer_deadline);
  used_daemon_ = answered(r);
  if (used_daemon_) {
    if (r->status != 200) return fail(Code::invalid_argument, error_of(*r));
    return std::move(r->body);
  }
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  REGCRED_TRY_ASSIGN(auto ns, core::request_namespace(req, now));
  std::optional<core::CredentialTable> table;
  if (ns) {
    REGCRED_TRY_ASSIGN(table, state_folder::read_namespace_table(state_dir_, *ns));
  }
  if (!table) {
    REGCRED_TRY_ASSIGN(table, state_folder::read_table(
                                  state_dir_, {state_folder::Filter::image, req.image, false}));
  }
  auto a = core::provider_answer(*table, req.image, req.api_version, hit_duration);
  return core::encode_provider_response(a.response);
}

}  // namespace regcred::helper_backend
