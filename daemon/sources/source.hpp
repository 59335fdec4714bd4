// source.hpp: what a source of pull secrets tells the daemon, and what the daemon asks of it.
// Sources call SourceEvents on the daemon's event loop thread only (a source with threads of its
// own posts to the loop first), so the store needs no lock.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/core/secret_manifest.hpp"

namespace regcred::daemon {

class SourceEvents {
 public:
  virtual ~SourceEvents() = default;
  // A full state of one stream (a relist, a directory scan) replaces what it held, in one step.
  virtual void replace(const std::string& stream, std::vector<core::SecretManifest> secrets) = 0;
  // Changes to single secrets, in the order they happened: what one read of a watch brought
  // (one event, or thousands in a storm: one call, not one wake-up of the loop each).
  virtual void changes(const std::string& stream, std::vector<core::SecretChange> batch) = 0;
  // The stream has delivered a full state at least once.
  virtual void synced(const std::string& stream) = 0;
};

// What a source counts, for the metrics.
struct SourceCounters {
  std::uint64_t watches = 0;  // watches opened (each after the first is a restart)
  std::uint64_t relists = 0;  // lists after the first (410 Gone, restarts without history)
};

class Source {
 public:
  virtual ~Source() = default;
  virtual void start() = 0;
  // Stops within a second; no SourceEvents call after it returns.
  virtual void stop() = 0;
  // "dir:<folder>" or "kube:<server>": the provenance its secrets carry.
  virtual std::string name() const = 0;
  virtual std::vector<std::string> streams() const = 0;
  virtual nlohmann::json status() const = 0;
  virtual SourceCounters counters() const = 0;
};

}  // namespace regcred::daemon
