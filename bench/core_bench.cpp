// Benchmarks of the core's hot paths. The anchor for each is the cheapest thing the same work
// cannot avoid: parsing the same JSON with nlohmann, scanning the keys with a plain compare.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "common/core/docker_config.hpp"
#include "common/core/go/encoding.hpp"
#include "common/core/image_ref.hpp"
#include "common/core/lint.hpp"
#include "common/core/match.hpp"
#include "common/core/watch_event.hpp"

namespace {

using namespace regcred::core;

std::string config_text(int n) {
  Json auths = Json::object();
  for (int i = 0; i < n; ++i)
    auths["registry-" + std::to_string(i) + ".example.com:5000"] = {
        {"auth", base64_encode("user" + std::to_string(i) + ":made-up-password")}};
  return Json{{"auths", auths}}.dump();
}

std::vector<std::string> keys(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i)
    out.push_back("registry-" + std::to_string(i) + ".example.com:5000");
  return out;
}

void BM_AnchorNlohmannParse(benchmark::State& st) {
  const auto text = config_text(static_cast<int>(st.range(0)));
  for (auto _ : st)
    benchmark::DoNotOptimize(Json::parse(text));
}
BENCHMARK(BM_AnchorNlohmannParse)->Arg(5000);

void BM_DockerConfigParse(benchmark::State& st) {
  const auto text = config_text(static_cast<int>(st.range(0)));
  for (auto _ : st)
    benchmark::DoNotOptimize(DockerConfig::parse(text));
}
BENCHMARK(BM_DockerConfigParse)->Arg(5000);

void BM_AnchorKeyScan(benchmark::State& st) {
  const auto k = keys(static_cast<int>(st.range(0)));
  const std::string want = "registry-4999.example.com:5000";
  for (auto _ : st) {
    int hits = 0;
    for (const auto& key : k)
      hits += key == want;
    benchmark::DoNotOptimize(hits);
  }
}
BENCHMARK(BM_AnchorKeyScan)->Arg(5000);

void BM_KubeletKeyringBuild(benchmark::State& st) {
  const auto k = keys(static_cast<int>(st.range(0)));
  for (auto _ : st)
    benchmark::DoNotOptimize(KubeletKeyring(k));
}
BENCHMARK(BM_KubeletKeyringBuild)->Arg(5000);

void BM_KubeletKeyringLookup(benchmark::State& st) {
  const KubeletKeyring ring(keys(static_cast<int>(st.range(0))));
  for (auto _ : st)
    benchmark::DoNotOptimize(ring.lookup("registry-4999.example.com:5000/team/app"));
}
BENCHMARK(BM_KubeletKeyringLookup)->Arg(5000);

void BM_ImageRefParse(benchmark::State& st) {
  for (auto _ : st)
    benchmark::DoNotOptimize(parse_image_ref("csmssim01:80/team/app:1.0"));
}
BENCHMARK(BM_ImageRefParse);

void BM_LintPullSecret(benchmark::State& st) {
  SecretManifest s;
  s.name = "regcred";
  s.namespace_ = "tag";
  s.type = std::string(k_type_dockerconfigjson);
  s.data[".dockerconfigjson"] = regcred::Secret(config_text(10));
  for (auto _ : st)
    benchmark::DoNotOptimize(lint_pull_secret(s));
}
BENCHMARK(BM_LintPullSecret);

// One watch event as the API server streams it during a storm (bench/daemon_sync.py's secret:
// labels, one registry): what the watch thread does per line, against parsing the line alone.
std::string event_line() {
  const std::string cfg =
      R"({"auths":{"reg0.example:5000":{"auth":")" + base64_encode("user0:storm-1") + R"("}}})";
  Json ev = {{"type", "MODIFIED"},
             {"object",
              {{"metadata",
                {{"name", "s0"},
                 {"namespace", "ns0"},
                 {"uid", "u0"},
                 {"resourceVersion", "20001"},
                 {"labels", {{"regcred.io/sync", "true"}}}}},
               {"type", "kubernetes.io/dockerconfigjson"},
               {"data", {{".dockerconfigjson", base64_encode(cfg)}}}}}};
  return ev.dump();
}

void BM_AnchorNlohmannParseEvent(benchmark::State& st) {
  const auto line = event_line();
  for (auto _ : st)
    benchmark::DoNotOptimize(Json::parse(line));
}
BENCHMARK(BM_AnchorNlohmannParseEvent);

void BM_WatchEventDecode(benchmark::State& st) {
  const auto line = event_line();
  for (auto _ : st)
    benchmark::DoNotOptimize(decode_watch_event(line, "watch"));
}
BENCHMARK(BM_WatchEventDecode);

}  // namespace

BENCHMARK_MAIN();
