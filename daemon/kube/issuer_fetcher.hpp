// issuer_fetcher.hpp: the cluster's service-account issuer and its keys, from the API server
// (/.well-known/openid-configuration for the issuer, /openid/v1/jwks for the keys: what the
// ClusterRole system:service-account-issuer-discovery grants), fetched at start, every 10
// minutes, and again, at most every 30 s, when a token names a key the set lacks (the keys
// rotated). Its own thread (blocking requests); `on_fetched` is called on it.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/kube/issuer_keys.hpp"
#include "common/kube/kubeconfig.hpp"

namespace regcred::kube {

struct IssuerState {
  std::shared_ptr<const IssuerKeys> keys;  // null until a set was read
  std::string issuer;                      // "" takes any
  std::string error;                       // the last fetch's or read's failure
};

// A JWKS file (--service-account-issuer-keys).
IssuerState read_issuer_keys(const std::string& path, std::string issuer);

class IssuerFetcher {
 public:
  IssuerFetcher(Connection conn, std::function<void(IssuerState)> on_fetched);
  ~IssuerFetcher();
  IssuerFetcher(const IssuerFetcher&) = delete;
  IssuerFetcher& operator=(const IssuerFetcher&) = delete;

  // A token named a key the set lacks: fetch again (at most every 30 s).
  void refresh();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace regcred::kube
