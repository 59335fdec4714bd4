#include "daemon/handlers/metrics.hpp"

#include <sstream>

namespace regcred::daemon {
namespace {

// A label value as the text format escapes it: backslash, double quote and newline.
std::string label(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

std::string metrics_text(const DaemonView& v, bool privileged) {
  const auto& view = v.store.view();
  std::ostringstream m;
  auto metric = [&](const char* name, const char* type, const char* help) {
    m << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
  };
  metric("regcred_ready", "gauge",
         "1 once every source delivered a full state and the files were written.");
  m << "regcred_ready " << (v.progress.ready() ? 1 : 0) << "\n";
  metric("regcred_secrets", "gauge", "Pull secrets in the store, by state.");
  m << "regcred_secrets{state=\"synced\"} " << v.store.secret_count() - view.rejected << "\n";
  m << "regcred_secrets{state=\"rejected\"} " << view.rejected << "\n";
  metric("regcred_shadowed_secrets", "gauge",
         "Secret entries that lost a registry key to another secret.");
  m << "regcred_shadowed_secrets " << view.shadowed << "\n";
  metric("regcred_registries", "gauge", "Registry keys the store serves.");
  m << "regcred_registries " << view.entries.size() << "\n";
  metric("regcred_syncs_total", "counter", "Syncs of the files (one per change burst).");
  m << "regcred_syncs_total " << v.progress.writes << "\n";
  metric("regcred_last_sync_timestamp_seconds", "gauge", "When the files were last synced.");
  m << "regcred_last_sync_timestamp_seconds "
    << (v.progress.last_write ? std::chrono::duration_cast<std::chrono::seconds>(
                                    v.progress.last_write->time_since_epoch())
                                    .count()
                              : 0)
    << "\n";
  metric("regcred_sinks_failed", "gauge", "Files whose last write failed.");
  std::size_t failed = 0;
  for (const auto& sk : v.files.sinks())
    failed += sk.status().ok ? 0U : 1U;
  m << "regcred_sinks_failed " << failed << "\n";
  if (privileged) {
    metric("regcred_sink_ok", "gauge", "1 when the file's last write succeeded.");
    metric("regcred_sink_writes_total", "counter", "Writes of each file.");
    for (const auto& sk : v.files.sinks()) {
      const auto& st = sk.status();
      m << "regcred_sink_ok{path=\"" << label(st.path) << "\"} " << (st.ok ? 1 : 0) << "\n";
      m << "regcred_sink_writes_total{path=\"" << label(st.path) << "\"} " << st.writes << "\n";
    }
  }
  SourceCounters counted;
  for (const auto& src : v.sources) {
    const auto c = src->counters();
    counted.watches += c.watches;
    counted.relists += c.relists;
  }
  metric("regcred_watch_restarts_total", "counter",
         "Watches opened (each one after the first is a restart).");
  m << "regcred_watch_restarts_total " << counted.watches << "\n";
  metric("regcred_relists_total", "counter", "Relists (410 Gone, restarts without history).");
  m << "regcred_relists_total " << counted.relists << "\n";
  const auto& totals = v.pull_tests.totals();
  metric("regcred_pull_tests_total", "counter", "Pull tests finished, by class.");
  for (const auto& [cls, t] : totals)
    m << "regcred_pull_tests_total{class=\"" << label(cls) << "\"} " << t.count << "\n";
  metric("regcred_pull_test_duration_seconds", "summary", "Time of pull tests, by class.");
  for (const auto& [cls, t] : totals) {
    m << "regcred_pull_test_duration_seconds_sum{class=\"" << label(cls) << "\"} " << t.seconds
      << "\n";
    m << "regcred_pull_test_duration_seconds_count{class=\"" << label(cls) << "\"} " << t.count
      << "\n";
  }
  if (!privileged) return m.str();
  metric("regcred_pull_test_ok", "gauge", "1 when the image's last pull test passed.");
  for (const auto& [image, list] : v.pull_tests.results()) {
    if (list.empty()) continue;
    m << "regcred_pull_test_ok{image=\"" << label(image) << "\",class=\""
      << label(list.front().value("class", "")) << "\"} "
      << (list.front().value("ok", false) ? 1 : 0) << "\n";
  }
  return m.str();
}

}  // namespace regcred::daemon
