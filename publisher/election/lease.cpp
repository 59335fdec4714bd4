#include "publisher/election/lease.hpp"

#include <nlohmann/json.hpp>

namespace regcred::publisher {
namespace {

using nlohmann::json;

std::string string_at(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

int int_at(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int>() : 0;
}

}  // namespace

Result<LeaseRecord> decode_lease(std::string_view text) {
  const auto j = json::parse(text, nullptr, false);
  if (!j.is_object() || string_at(j, "kind") != "Lease")
    return fail(Code::parse_error, "Lease: the answer is not a Lease object");
  const auto meta = j.find("metadata");
  if (meta == j.end() || !meta->is_object())
    return fail(Code::parse_error, "Lease: metadata: not an object");
  LeaseRecord r;
  r.resource_version = string_at(*meta, "resourceVersion");
  const auto spec = j.find("spec");
  if (spec == j.end()) return r;
  if (!spec->is_object()) return fail(Code::parse_error, "Lease: spec: not an object");
  r.holder = string_at(*spec, "holderIdentity");
  r.duration_seconds = int_at(*spec, "leaseDurationSeconds");
  r.acquire_time = string_at(*spec, "acquireTime");
  r.renew_time = string_at(*spec, "renewTime");
  r.transitions = int_at(*spec, "leaseTransitions");
  return r;
}

std::string encode_lease(std::string_view ns, std::string_view name, const LeaseRecord& r) {
  json meta = {{"name", name}, {"namespace", ns}};
  if (!r.resource_version.empty()) meta["resourceVersion"] = r.resource_version;
  json spec = {{"holderIdentity", r.holder},
               {"leaseDurationSeconds", r.duration_seconds},
               {"leaseTransitions", r.transitions}};
  if (!r.acquire_time.empty()) spec["acquireTime"] = r.acquire_time;
  if (!r.renew_time.empty()) spec["renewTime"] = r.renew_time;
  return json{{"apiVersion", "coordination.k8s.io/v1"},
              {"kind", "Lease"},
              {"metadata", std::move(meta)},
              {"spec", std::move(spec)}}
      .dump();
}

Step next_step(const Observed& observed, std::string_view identity,
               std::chrono::steady_clock::time_point now) {
  const auto& r = observed.record;
  if (r.holder == identity) return Step::renew;
  const bool valid = now < observed.at + std::chrono::seconds(r.duration_seconds);
  if (!r.holder.empty() && valid) return Step::wait;
  return Step::take;
}

LeaseRecord next_record(const LeaseRecord& current, Step step, std::string_view identity,
                        int duration_seconds, std::string_view now_text) {
  LeaseRecord r;
  r.holder = std::string(identity);
  r.duration_seconds = duration_seconds;
  r.renew_time = std::string(now_text);
  r.resource_version = current.resource_version;
  if (step == Step::renew) {
    r.acquire_time = current.acquire_time;
    r.transitions = current.transitions;
  } else {
    r.acquire_time = std::string(now_text);
    // client-go counts a transition on every take, the first creation aside.
    r.transitions = current.resource_version.empty() ? 0 : current.transitions + 1;
  }
  return r;
}

LeaseRecord released_record(const LeaseRecord& current, std::string_view now_text) {
  LeaseRecord r = current;
  r.holder.clear();
  r.duration_seconds = 1;
  r.acquire_time = std::string(now_text);
  r.renew_time = std::string(now_text);
  return r;
}

}  // namespace regcred::publisher
