#include "common/core/lookup_index.hpp"
#include "common/core/json_fields.hpp"

#include <nlohmann/json.hpp>

#include "common/core/credential_helper.hpp"
#include "common/core/match.hpp"

namespace regcred::core {
namespace {

bool clean(std::string_view s) {
  return s.find_first_of("\t\n") == std::string_view::npos;
}

std::string kubelet_host(std::string_view key) {
  auto n = kubelet_normalize_key(key);
  if (!n) return "";
  return n->substr(0, n->find('/'));
}

template <typename Want>
Result<CredentialTable> scan(std::string_view index, Want&& want) {
  if (!index.starts_with(k_lookup_index_header)) {
    return fail(Code::parse_error, "not a regcred lookup index");
  }
  index.remove_prefix(k_lookup_index_header.size());
  CredentialTable out;
  while (!index.empty()) {
    auto nl = index.find('\n');
    std::string_view line = index.substr(0, nl);
    index.remove_prefix(nl == std::string_view::npos ? index.size() : nl + 1);
    auto t1 = line.find('\t');
    auto t2 = t1 == std::string_view::npos ? t1 : line.find('\t', t1 + 1);
    if (t2 == std::string_view::npos)
      return fail(Code::parse_error, "a lookup index line without its fields");
    if (!want(line.substr(0, t1), line.substr(t1 + 1, t2 - t1 - 1))) continue;
    auto j = nlohmann::json::parse(line.substr(t2 + 1), nullptr, false);
    if (!j.is_object()) return fail(Code::parse_error, "a lookup index entry that is not JSON");
    TableEntry e;
    e.key = json_value(j, "key", "");
    e.credential.username = json_value(j, "username", "");
    e.credential.password = Secret(json_value(j, "password", ""));
    e.credential.identitytoken = Secret(json_value(j, "identitytoken", ""));
    e.rank = json_value(j, "rank", "");
    e.from = json_value(j, "from", "");
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

std::string render_lookup_index(const CredentialTable& t) {
  std::string out(k_lookup_index_header);
  for (const auto& e : t) {
    std::string reg = helper::registry_of(e.key).value_or("");
    std::string host = kubelet_host(e.key);
    nlohmann::json j = {
        {"key", e.key}, {"username", e.credential.username}, {"rank", e.rank}, {"from", e.from}};
    // The index is a credential file by design, like credentials.json (0600, root's folder).
    j["password"] = e.credential.password.reveal();
    if (!e.credential.identitytoken.empty())
      j["identitytoken"] = e.credential.identitytoken.reveal();
    out += clean(reg) ? reg : "";
    out += '\t';
    out += clean(host) ? host : "";
    out += '\t';
    out += json_text(j);
    out += '\n';
  }
  return out;
}

Result<CredentialTable> lookup_registry(std::string_view index, std::string_view server) {
  auto want = helper::registry_of(server);
  return scan(index, [&](std::string_view reg, std::string_view) { return want && reg == *want; });
}

Result<CredentialTable> lookup_image(std::string_view index, std::string_view image) {
  const std::string_view host = image.substr(0, image.find('/'));
  const bool hub = kubelet_is_default_registry(image);
  return scan(index, [&](std::string_view, std::string_view key_host) {
    if (key_host.empty()) return false;
    if (hub && key_host == k_kubelet_default_registry_key) return true;
    // Without glob characters a host pattern matches only itself (labels compared literally,
    // ports as strings): skip the URL parse for the common case.
    if (key_host.find_first_of("*?[\\") == std::string_view::npos) return key_host == host;
    return kubelet_urls_match(key_host, host);
  });
}

}  // namespace regcred::core
