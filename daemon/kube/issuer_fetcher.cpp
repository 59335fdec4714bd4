#include "daemon/kube/issuer_fetcher.hpp"

#include <chrono>

#include <nlohmann/json.hpp>

#include "common/core/json_fields.hpp"
#include "common/io/log.hpp"
#include "common/io/safe_file.hpp"
#include "common/kube/http.hpp"
#include "daemon/kube/api_thread.hpp"

namespace regcred::kube {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto k_period = std::chrono::minutes(10);
constexpr auto k_min_gap = std::chrono::seconds(30);
constexpr std::size_t k_max_jwks = 1U << 20U;

Result<std::string> body_of(Client& client, const std::string& path) {
  REGCRED_TRY_ASSIGN(auto r, client.get(path));
  if (r.status != 200) {
    return fail(Code::unavailable, "GET " + path + ": HTTP " + std::to_string(r.status));
  }
  if (r.body.size() > k_max_jwks) {
    return fail(Code::invalid_argument, "GET " + path + ": larger than 1 MiB");
  }
  return std::move(r.body);
}

// `s` with the parsed keys, or with where and why there are none.
IssuerState with_keys(IssuerState s, Result<IssuerKeys> keys, const std::string& where) {
  if (!keys) {
    s.error = where + ": " + keys.error().message;
    return s;
  }
  s.keys = std::make_shared<const IssuerKeys>(std::move(*keys));
  return s;
}

IssuerState fetch(Client& client) {
  IssuerState s;
  auto discovery = body_of(client, "/.well-known/openid-configuration");
  auto jwks = discovery ? body_of(client, "/openid/v1/jwks") : fail(discovery.error());
  if (!jwks) {
    s.error = jwks.error().message;
    return s;
  }
  const auto doc = nlohmann::json::parse(*discovery, nullptr, false);
  s.issuer = doc.is_object() ? core::json_value(doc, "issuer", "") : "";
  if (s.issuer.empty()) {
    s.error = "/.well-known/openid-configuration: no issuer";
    return s;
  }
  return with_keys(std::move(s), IssuerKeys::parse(*jwks), "/openid/v1/jwks");
}

}  // namespace

IssuerState read_issuer_keys(const std::string& path, std::string issuer) {
  IssuerState s;
  s.issuer = std::move(issuer);
  // The keys decide whose tokens are trusted: a file any user could write is refused, as a
  // kubeconfig is.
  auto text = io::read_identity_file(path, k_max_jwks);
  return with_keys(std::move(s), text ? IssuerKeys::parse(*text) : fail(text.error()), path);
}

struct IssuerFetcher::Impl : ApiThread {
  Impl(Connection conn, std::function<void(IssuerState)> cb)
      : ApiThread(std::move(conn)), on_fetched(std::move(cb)) {
    client.set_accept("application/json, application/jwk-set+json");
    start([this] { run(); });
  }
  ~Impl() { stop(); }

  void run() {
    std::unique_lock lock(mu);
    Clock::time_point next = Clock::now();
    std::chrono::seconds backoff(1);
    while (!stopping) {
      // Due at the next period, or sooner for a token with an unknown key, 30 s after the last.
      const auto due = wanted ? std::min(next, last + k_min_gap) : next;
      if (Clock::now() < due) {
        cv.wait_until(lock, due);
        continue;  // woken by refresh() or stop, or due: decide again
      }
      wanted = false;
      last = Clock::now();
      lock.unlock();
      IssuerState s = fetch(client);
      const bool fetched = s.keys != nullptr;
      if (!fetched) {
        io::log_warning("cannot read the service-account issuer keys; will retry",
                        {{"error", s.error}});
      }
      on_fetched(std::move(s));
      lock.lock();
      next = Clock::now() + (fetched ? Clock::duration(k_period) : Clock::duration(backoff));
      backoff = fetched ? std::chrono::seconds(1) : std::min(backoff * 2, std::chrono::seconds(30));
    }
  }

  std::function<void(IssuerState)> on_fetched;
  bool wanted = false;  // under mu
  Clock::time_point last{};
};

IssuerFetcher::IssuerFetcher(Connection conn, std::function<void(IssuerState)> on_fetched)
    : impl_(std::make_unique<Impl>(std::move(conn), std::move(on_fetched))) {}

IssuerFetcher::~IssuerFetcher() = default;

void IssuerFetcher::refresh() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->wanted = true;
  }
  impl_->cv.notify_all();
}

}  // namespace regcred::kube
