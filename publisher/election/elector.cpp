#include "publisher/election/elector.hpp"

#include "common/io/log.hpp"
#include "common/io/time_text.hpp"

namespace regcred::publisher {

using steady = std::chrono::steady_clock;

Elector::Elector(kube::CredentialSource& creds, ElectionOptions options, std::string user_agent)
    : opt_(std::move(options)), creds_(creds), client_(creds), user_agent_(std::move(user_agent)) {
  client_.set_user_agent(user_agent_);
  // A renewal that cannot finish before the deadline is worth nothing.
  client_.set_request_timeout(opt_.renew_deadline);
}

std::string Elector::path() const {
  return "/apis/coordination.k8s.io/v1/namespaces/" + opt_.ns + "/leases/" + opt_.name;
}

bool Elector::leading() const {
  std::lock_guard lock(mu_);
  return leader_ && steady::now() - last_renew_ < opt_.renew_deadline;
}

nlohmann::json Elector::status() const {
  std::lock_guard lock(mu_);
  nlohmann::json j = {{"lease", opt_.ns + "/" + opt_.name},
                      {"identity", opt_.identity},
                      {"leading", leader_ && steady::now() - last_renew_ < opt_.renew_deadline},
                      {"holder", observed_any_ ? observed_.record.holder : ""},
                      {"terms", terms_}};
  if (!last_error_.empty()) j["lastError"] = last_error_;
  return j;
}

void Elector::stop() {
  stop_ = true;
  client_.cancel();
  std::lock_guard lock(wait_mu_);
  wait_cv_.notify_all();
}

bool Elector::sleep_for(std::chrono::milliseconds d) {
  std::unique_lock lock(wait_mu_);
  return !wait_cv_.wait_for(lock, d, [this] { return stop_.load(); });
}

bool Elector::try_acquire_or_renew() {
  const auto now_text = io::rfc3339_micro(std::chrono::system_clock::now());
  auto got = client_.get(path());
  auto failed = [&](std::string why) {
    std::lock_guard lock(mu_);
    last_error_ = std::move(why);
    return false;
  };
  if (!got) return failed(got.error().message);
  if (got->status == 404) {
    const auto rec = next_record({}, Step::take, opt_.identity,
                                 static_cast<int>(opt_.lease_duration.count()), now_text);
    const auto path_all = "/apis/coordination.k8s.io/v1/namespaces/" + opt_.ns + "/leases";
    auto made =
        client_.send("POST", path_all, "application/json", encode_lease(opt_.ns, opt_.name, rec));
    if (!made) return failed(made.error().message);
    if (made->status != 201)
      return failed("creating the lease: HTTP " + std::to_string(made->status));
    auto r = decode_lease(made->body);
    if (!r) return failed(r.error().message);
    std::lock_guard lock(mu_);
    observed_ = {*r, steady::now()};
    observed_any_ = true;
    return true;
  }
  if (got->status != 200) return failed("reading the lease: HTTP " + std::to_string(got->status));
  auto current = decode_lease(got->body);
  if (!current) return failed(current.error().message);
  if (!observed_any_ || current->resource_version != observed_.record.resource_version) {
    std::lock_guard lock(mu_);
    observed_ = {*current, steady::now()};
    observed_any_ = true;
  }
  const auto step = next_step(observed_, opt_.identity, steady::now());
  if (step == Step::wait) return false;
  const auto rec = next_record(*current, step, opt_.identity,
                               static_cast<int>(opt_.lease_duration.count()), now_text);
  auto put = client_.send("PUT", path(), "application/json", encode_lease(opt_.ns, opt_.name, rec));
  if (!put) return failed(put.error().message);
  // 409: another replica wrote first; it leads.
  if (put->status != 200) return failed("writing the lease: HTTP " + std::to_string(put->status));
  auto r = decode_lease(put->body);
  if (!r) return failed(r.error().message);
  std::lock_guard lock(mu_);
  observed_ = {*r, steady::now()};
  return true;
}

void Elector::release() {
  if (!leading()) return;  // a lease no longer ours is not ours to release
  const auto rec =
      released_record(observed_.record, io::rfc3339_micro(std::chrono::system_clock::now()));
  kube::Client client(creds_);  // client_ was cancelled by stop()
  client.set_request_timeout(opt_.retry_period);
  client.set_user_agent(user_agent_);
  auto put = client.send("PUT", path(), "application/json", encode_lease(opt_.ns, opt_.name, rec));
  if (put && put->status == 200) io::log_info("released the lease", {{"lease", opt_.name}});
}

void Elector::run() {
  std::uniform_real_distribution<double> jitter(0.0, 1.2);  // wait.Jitter(retry, 1.2)
  while (!stop_) {
    const bool ok = try_acquire_or_renew();
    const auto now = steady::now();
    bool was = false;
    bool is = false;
    {
      std::lock_guard lock(mu_);
      was = leader_;
      if (ok) {
        if (!leader_) ++terms_;
        leader_ = true;
        last_renew_ = now;
        last_error_.clear();
      } else if (leader_ && now - last_renew_ >= opt_.renew_deadline) {
        leader_ = false;
      }
      is = leader_;
    }
    if (!was && is) io::log_info("leading", {{"lease", opt_.name}, {"identity", opt_.identity}});
    if (was && !is) {
      io::log_warning("lost the lease: no renewal within the renew deadline; not writing",
                      {{"lease", opt_.name}, {"identity", opt_.identity}});
    }
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(opt_.retry_period);
    if (!is) {
      wait += std::chrono::milliseconds(
          static_cast<long>(static_cast<double>(wait.count()) * jitter(rng_)));
    }
    sleep_for(wait);
  }
  // A replica that stops (SIGTERM, a rollout) hands the lease over at once.
  release();
  std::lock_guard lock(mu_);
  leader_ = false;
}

}  // namespace regcred::publisher
