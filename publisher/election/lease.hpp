// lease.hpp: client-go's leader election over a coordination.k8s.io/v1 Lease, the decisions
// apart from the requests (tryAcquireOrRenew): when a replica may take or renew the lease, and
// the record it writes. Pure: times come in as arguments.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/core/result.hpp"

namespace regcred::publisher {

struct LeaseRecord {
  std::string holder;  // spec.holderIdentity; "" after a release
  int duration_seconds = 0;
  std::string acquire_time;  // MicroTime text, as written
  std::string renew_time;
  int transitions = 0;
  std::string resource_version;  // metadata.resourceVersion, for the optimistic update
};

// A Lease object's JSON -> its record. Errors name the field.
Result<LeaseRecord> decode_lease(std::string_view json);
// The Lease object to create or PUT (with the record's resourceVersion when it has one).
std::string encode_lease(std::string_view ns, std::string_view name, const LeaseRecord& r);

// What this replica last saw of the lease, and when (its own monotonic clock: a holder's clock
// is never trusted, as in client-go).
struct Observed {
  LeaseRecord record;
  std::chrono::steady_clock::time_point at{};
};

enum class Step {
  wait,   // another holder's lease is still valid
  renew,  // ours: write a fresh renewTime
  take,   // free, expired or released: write ourselves as holder
};

// client-go's rule: a record held by another identity is valid until `observed.at` plus its
// duration; a record changed since it was observed counts from now.
Step next_step(const Observed& observed, std::string_view identity,
               std::chrono::steady_clock::time_point now);

// The record to write for `step` (renew or take) at `now_text` (MicroTime): a renewal keeps the
// acquire time and the transitions, a take starts a new term and counts one more transition.
LeaseRecord next_record(const LeaseRecord& current, Step step, std::string_view identity,
                        int duration_seconds, std::string_view now_text);

// What a leader writes as it steps down: no holder, a one-second lease (client-go's
// ReleaseOnCancel), so a standby takes over at its next try.
LeaseRecord released_record(const LeaseRecord& current, std::string_view now_text);

}  // namespace regcred::publisher
