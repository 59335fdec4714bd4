#include "daemon/app/pull_tests.hpp"

#include "common/core/image_ref.hpp"
#include "common/core/json_fields.hpp"
#include "common/io/log.hpp"
#include "common/io/safe_file.hpp"
#include "common/io/time_text.hpp"
#include "common/pull/plan.hpp"

namespace regcred::daemon {
namespace {

// Where the runner finds its worker: the program beside regcredd, or the configured socket.
PullRunner::Where where_of(const PullTestConfig& c) {
  return {PullRunner::default_program(), c.worker_socket};
}

constexpr std::size_t k_max_ca_file = 1U << 20U;

}  // namespace

PullTests::PullTests(boost::asio::io_context& io, Loop& loop, sync::Store& store,
                     PullTestConfig config, std::function<void()> finished)
    : loop_(loop),
      store_(store),
      config_(std::move(config)),
      finished_(std::move(finished)),
      runner_(io, where_of(config_), config_.concurrency),
      timer_(loop.timer()) {}

PullTests::~PullTests() {
  runner_.stop();
}

void PullTests::set_config(PullTestConfig config) {
  config_ = std::move(config);
  runner_.reconfigure(where_of(config_), config_.concurrency);
}

void PullTests::stop() {
  stopped_ = true;
  timer_->cancel();
  runner_.stop();
}

Result<long> PullTests::start(const std::string& image, const std::string& ns,
                              const std::vector<std::string>& extra_cas,
                              const std::string& trigger) {
  REGCRED_TRY_ASSIGN(core::ImageRef ref, core::parse_image_ref(image));
  // kubelet's union: the pod's namespace's pull secrets first, then the node's. Without a
  // namespace the store's own table serves as it is (no copy per scheduled test).
  std::vector<pull::Candidate> candidates;
  if (ns.empty()) {
    candidates = pull::candidates_for(store_.table(), ref.name());
  } else {
    core::CredentialTable table = store_.namespace_table(ns);
    for (auto& e : table)
      e.rank.insert(0, 1, '\0');
    const auto& node = store_.table();
    table.insert(table.end(), node.begin(), node.end());
    candidates = pull::candidates_for(table, ref.name());
  }
  pull::Options o;
  // The worker gets the CAs' text, never a path: it opens no file of the node's.
  std::vector<std::string> cas = config_.ca_files;
  cas.insert(cas.end(), extra_cas.begin(), extra_cas.end());
  for (const auto& f : cas) {
    REGCRED_TRY_ASSIGN(std::string pem, io::read_regular_file(f, k_max_ca_file));
    o.ca_pem += pem;
    o.ca_pem += '\n';
  }
  o.platform = pull::node_platform();
  const long id = ++next_id_;
  running_[id] = ref.full();
  runner_.run({id, ref.full(), std::move(candidates), std::move(o)},
              [this, id, trigger](nlohmann::json j) {
                const double total = core::json_value(
                    core::json_value(j, "timingsMs", nlohmann::json::object()), "total", 0.0);
                j["id"] = id;
                j["trigger"] = trigger;
                j["finishedAt"] = io::rfc3339(std::chrono::system_clock::now());
                finish(id, std::move(j), total);
              });
  return id;
}

void PullTests::finish(long id, nlohmann::json j, double total_ms) {
  const std::string image = running_[id];
  running_.erase(id);
  const std::string cls = core::json_value(j, "class", "");
  auto& t = totals_[cls];
  ++t.count;
  t.seconds += total_ms / 1000.0;
  io::log_info("pull test", {{"image", image},
                             {"class", cls},
                             {"phase", core::json_value(j, "phase", "")},
                             {"ms", std::to_string(static_cast<long>(total_ms))}});
  auto& list = results_[image];
  list.push_front(j);
  while (list.size() > k_kept_per_image)
    list.pop_back();
  done_[id] = std::move(j);
  while (done_.size() > k_kept_by_id)
    done_.erase(done_.begin());
  finished_();
}

void PullTests::schedule(std::chrono::milliseconds delay) {
  if (config_.scheduled.empty() || stopped_) return;
  timer_->at(loop_.now() + delay, [this] {
    for (const auto& image : config_.scheduled) {
      if (auto r = start(image, "", {}, "schedule"); !r) {
        io::log_error("scheduled pull test not started",
                      {{"image", image}, {"error", r.error().message}});
      }
    }
    std::uniform_real_distribution<double> jitter(0.9, 1.1);
    schedule(
        std::chrono::duration_cast<std::chrono::milliseconds>(config_.interval * jitter(rng_)));
  });
}

const nlohmann::json* PullTests::done(long id) const {
  auto it = done_.find(id);
  return it == done_.end() ? nullptr : &it->second;
}

std::optional<std::pair<std::string, const nlohmann::json*>> PullTests::scheduled_failure() const {
  for (const auto& image : config_.scheduled) {
    auto ref = core::parse_image_ref(image);
    auto it = results_.find(ref ? ref->full() : image);
    if (it == results_.end() || it->second.empty()) continue;
    const auto& r = it->second.front();
    if (!core::json_value(r, "ok", false)) return std::make_pair(image, &r);
  }
  return std::nullopt;
}

}  // namespace regcred::daemon
