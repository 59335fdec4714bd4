#include "helper/provider/run.hpp"

#include <CLI/CLI.hpp>
#include <array>
#include <fstream>
#include <iostream>
#include <iterator>

#include "common/core/answer.hpp"
#include "common/core/docker_config.hpp"
#include "common/core/provider.hpp"
#include "helper/backend/backend.hpp"

namespace regcred::provider {
namespace {

constexpr std::string_view k_name = "regcred-credential-provider";
constexpr std::size_t k_max_request = 1U << 20U;

int failed(std::ostream& err, std::string_view message) {
  err << k_name << ": " << message << "\n";
  return 1;
}

}  // namespace

int run(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
        std::ostream& err, const Getenv& getenv, const helper_backend::MakeBackend& make_backend) {
  CLI::App app{
      "kubelet's credential provider (credentialprovider.kubelet.k8s.io v1, v1beta1, v1alpha1):\n"
      "a CredentialProviderRequest on stdin, the CredentialProviderResponse on stdout.",
      std::string(k_name)};
  std::string socket =
      getenv("REGCRED_SOCKET").value_or(std::string(helper_backend::k_default_socket));
  std::string state_dir =
      getenv("REGCRED_STATE_DIR").value_or(std::string(helper_backend::k_default_state_dir));
  std::string docker_config;
  std::string cache_duration = "1m";
  app.add_option("--socket", socket, "regcredd's status socket")->capture_default_str();
  app.add_option("--state-dir", state_dir, "the state folder, read when regcredd is down")
      ->capture_default_str();
  app.add_option("--docker-config", docker_config,
                 "answer from this docker config.json instead of regcredd's store");
  app.add_option("--cache-duration", cache_duration,
                 "cacheDuration of an answer with credentials (a Go duration); an empty answer "
                 "is never cached")
      ->capture_default_str();
  app.set_version_flag("--version", std::string(k_name) + " " + REGCRED_VERSION);
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return 0;
  } catch (const CLI::CallForVersion&) {
    out << app.version() << "\n";
    return 0;
  } catch (const CLI::ParseError& e) {
    err << k_name << ": " << e.what() << "\n";
    return 2;
  }
  auto duration = core::parse_go_duration(cache_duration);
  if (!duration || duration->count() < 0) {
    err << k_name << ": --cache-duration " << cache_duration << ": not a Go duration >= 0\n";
    return 2;
  }
  const std::string hit = core::format_go_duration(*duration);

  std::string text;
  std::array<char, 4096> buf{};
  while (in.read(buf.data(), buf.size()) || in.gcount() > 0) {
    text.append(buf.data(), static_cast<std::size_t>(in.gcount()));
    if (text.size() > k_max_request) {
      return failed(err, "read the CredentialProviderRequest: larger than 1 MiB");
    }
  }
  auto req = core::parse_provider_request(text);
  if (!req) return failed(err, req.error().message);

  if (!docker_config.empty()) {
    std::ifstream f(docker_config, std::ios::binary);
    if (!f) return failed(err, "read " + docker_config + ": cannot open it");
    std::string cfg_text{std::istreambuf_iterator<char>(f), {}};
    auto cfg = core::DockerConfig::parse(cfg_text);
    if (!cfg) return failed(err, "read " + docker_config + ": " + cfg.error().message);
    auto a = core::provider_answer(core::table_of(*cfg), req->image, req->api_version, hit);
    out << core::encode_provider_response(a.response);
    return 0;
  }
  auto answer = make_backend(socket, state_dir)->provide(text, *req, hit);
  if (!answer) return failed(err, answer.error().message);
  out << *answer;
  return 0;
}

}  // namespace regcred::provider
