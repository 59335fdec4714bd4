// libFuzzer targets for the parsers that read what comes from outside. One executable per
// target: the target's name is chosen at compile time (REGCRED_FUZZ_TARGET). Each must never
// crash, leak, overflow or hit UB, whatever the bytes; results are not checked here (the unit
// and vector tests do that), except that a parse which succeeds can be serialised again, and
// that a watch event simdjson reads is JSON to nlohmann too.
// docker's config.json is the dockerconfigjson target (the same reader, Format::config_json);
// WWW-Authenticate headers and token answers are registry_answers.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/core/credential_helper.hpp"
#include "common/core/docker_config.hpp"
#include "common/core/go/json_scanner.hpp"
#include "common/core/image_ref.hpp"
#include "common/core/json_fields.hpp"
#include "common/core/label_selector.hpp"
#include "common/core/lint.hpp"
#include "common/core/lookup_index.hpp"
#include "common/core/provider.hpp"
#include "common/core/provider_config.hpp"
#include "common/core/secret_manifest.hpp"
#include "common/core/watch_event.hpp"
#include "common/kube/kubeconfig.hpp"
#include "common/pull/registry_auth.hpp"
#include "daemon/api/router.hpp"
#include "daemon/api/server.hpp"

namespace {

using namespace regcred::core;

void secret_manifest(std::string_view in) {
  auto set = parse_secret_manifests(in, "fuzz");
  if (!set) return;
  for (const auto& s : set->secrets) {
    (void)lint_pull_secret(s);
    if (auto cfg = pull_secret_config(s)) (void)cfg->serialize();
  }
}

void docker_config(std::string_view in, Format f) {
  auto cfg = DockerConfig::parse(in, f);
  if (!cfg) return;
  for (const auto& e : cfg->auths()) {
    (void)entry_credential_kubelet(e);
    (void)entry_credential_docker(e);
    (void)entry_credential_containers(e);
  }
  const std::string out = cfg->serialize();
  (void)DockerConfig::parse(out, f);
  auto t = table_of(*cfg);
  (void)helper_list(t);
  (void)provider_answer(t, "registry.example.com/team/app", k_provider_v1, "1m0s");
}

void helper_stdin(std::string_view in) {
  auto joined = helper::join_lines(in);
  if (!joined) return;
  (void)helper::parse_store(*joined);
  (void)helper::registry_of(*joined);
  (void)go_json_scan_value(*joined);
}

void provider_request(std::string_view in) {
  auto r = parse_provider_request(in);
  if (r) {
    (void)encode_provider_request(*r);
    (void)request_namespace(*r, 0);
  }
  (void)decode_provider_response(in, k_provider_v1);
  if (auto cfg = decode_provider_config(in)) (void)validate_provider_config(*cfg);
}

void image_ref(std::string_view in) {
  if (auto r = parse_image_ref(in)) (void)r->full();
  (void)LabelSelector::parse(in);
}

void registry_answers(std::string_view in) {
  namespace pull = regcred::pull;
  (void)pull::parse_www_authenticate(in);
  (void)pull::parse_token_response(in);
  (void)pull::registry_error_code(in);
  if (auto m = pull::parse_manifest(in, "application/vnd.oci.image.index.v1+json")) {
    (void)pull::select_platform(*m, pull::Platform{"linux", "amd64", ""});
  }
}

void lookup_index(std::string_view in) {
  (void)lookup_registry(in, "registry.example.com");
  (void)lookup_image(in, "docker.io/library/nginx");
}

// The watch stream as the HTTP client hands it over: chunks of any size (the first byte picks
// it), cut into lines with a small line limit so that the too-long path runs too, each line
// decoded; and the whole input as one list page.
void watch_stream(std::string_view in) {
  if (in.empty()) return;
  const std::size_t chunk = 1U + static_cast<unsigned char>(in[0]) % 64U;
  in.remove_prefix(1);
  LineSplitter lines(4096);
  for (std::size_t at = 0; at < in.size(); at += chunk) {
    auto fed = lines.feed(in.substr(at, chunk), [](std::string_view line) {
      auto ev = decode_watch_event(line, "fuzz");
      if (ev) {
        // simdjson reads the stream: what it takes for an event, strict JSON (nlohmann) takes
        // for a document with the same type.
        const auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_discarded() || json_value(j, "type", "") != ev->type_text) __builtin_trap();
      }
      return ev.has_value() && ev->type != WatchType::error;
    });
    if (fed != LineSplitter::Fed::more) break;
  }
  (void)decode_secret_list(in, "fuzz");
}

// The status socket: bytes of one connection through the session's parser and limits, routed
// with a provider that answers every endpoint. The first byte says whether the peer is root.
class FuzzProvider final : public regcred::api::Endpoints {
 public:
  using Request = regcred::api::Request;
  using Response = regcred::api::Response;
  bool ready() const override { return true; }
  nlohmann::json status(bool privileged) override { return {{"privileged", privileged}}; }
  std::string metrics(bool) override { return "regcred_up 1\n"; }
  Response pulltests(const Request&) override { return answer(200, "pulltests"); }
  Response pulltest(const Request&, std::string_view id) override { return answer(200, id); }
  Response start_pulltest(const Request& req) override { return answer(202, req.body); }
  Response reload() override { return regcred::api::json_response(200, {{"reloaded", true}}); }
  Response helper_get(const Request& req) override { return answer(200, req.body); }
  Response helper_list(const Request&) override { return answer(200, "list"); }
  Response helper_store(const Request& req) override { return answer(200, req.body); }
  Response helper_erase(const Request& req) override { return answer(200, req.body); }
  Response provider(const Request& req) override { return answer(200, req.body); }

 private:
  static Response answer(unsigned status, std::string_view what) {
    return regcred::api::json_response(status, {{"what", what.size()}});
  }
};

void status_http(std::string_view in) {
  if (in.empty()) return;
  const bool privileged = (static_cast<unsigned char>(in[0]) & 1U) != 0;
  in.remove_prefix(1);
  FuzzProvider provider;
  (void)regcred::api::serve_bytes(
      in, [&](const regcred::api::Request& r) { return regcred::api::route(r, provider); },
      privileged);
}

void kubeconfig(std::string_view in) {
  (void)regcred::kube::parse_kubeconfig(std::string(in), "/fuzz/kubeconfig");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::string_view target = REGCRED_FUZZ_TARGET;
  if (target == "secret_manifest")
    secret_manifest(in);
  else if (target == "dockerconfigjson")
    docker_config(in, Format::config_json);
  else if (target == "dockercfg")
    docker_config(in, Format::dockercfg);
  else if (target == "helper_stdin")
    helper_stdin(in);
  else if (target == "provider_request")
    provider_request(in);
  else if (target == "image_ref")
    image_ref(in);
  else if (target == "registry_answers")
    registry_answers(in);
  else if (target == "lookup_index")
    lookup_index(in);
  else if (target == "watch_stream")
    watch_stream(in);
  else if (target == "status_http")
    status_http(in);
  else if (target == "kubeconfig")
    kubeconfig(in);
  return 0;
}
