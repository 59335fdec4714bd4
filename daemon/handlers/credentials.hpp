// credentials.hpp: the helpers' endpoints (/v1/helper/get|list|store|erase, /v1/provider), over
// the store, with the same rules the helpers apply to the state folder when regcredd is down
// (core/answer.hpp). The router lets only privileged peers reach them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "common/core/answer.hpp"
#include "daemon/api/router.hpp"
#include "daemon/config/config.hpp"
#include "daemon/kube/issuer_fetcher.hpp"
#include "daemon/sync/store.hpp"

namespace regcred::daemon {

class CredentialEndpoints {
 public:
  // `local_changed` gets the node-local credentials after a store or an erase changed them.
  using LocalChanged = std::function<void(const core::DockerConfig&)>;
  CredentialEndpoints(const Config& config, sync::Store& store, LocalChanged local_changed)
      : config_(config), store_(store), local_changed_(std::move(local_changed)) {}

  api::Response get(const api::Request& req);
  api::Response list(const api::Request& req);
  api::Response store(const api::Request& req);
  api::Response erase(const api::Request& req);
  api::Response provider(const api::Request& req);

  // The service-account issuer's keys that namespace-scoped answers verify tokens with; a state
  // without keys (a failed fetch) keeps the keys there were and records the error.
  void set_issuer(kube::IssuerState s);
  // Called when a token names a key the set lacks (the issuer rotated its keys).
  void on_unknown_key(std::function<void()> f) { unknown_key_ = std::move(f); }

 private:
  // Root's helpers get the node-local credentials over the node-wide ones (Store::with_local);
  // the group's, the node-wide ones only.
  const core::HelperIndex& helper_index(bool root);
  // The namespace of a service account token that verifies, or why it does not.
  Result<std::string> token_namespace(const Secret& token);

  const Config& config_;
  sync::Store& store_;
  LocalChanged local_changed_;
  kube::IssuerState issuer_;
  std::function<void()> unknown_key_;
  // An index over one of the store's tables, rebuilt when the store's generation moves.
  template <class Index>
  struct CachedIndex {
    std::unique_ptr<Index> index;
    std::uint64_t generation = ~std::uint64_t{0};
    const Index& over(const core::CredentialTable& table, std::uint64_t now) {
      if (!index || generation != now) {
        index = std::make_unique<Index>(table);
        generation = now;
      }
      return *index;
    }
  };
  CachedIndex<core::HelperIndex> helper_index_;       // store_.table()
  CachedIndex<core::HelperIndex> root_helper_index_;  // store_.table_with_local()
  CachedIndex<core::ProviderIndex> provider_index_;   // store_.table()
};

}  // namespace regcred::daemon
