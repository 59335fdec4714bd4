// provider.hpp: kubelet's credential provider exec plugin protocol
// (credentialprovider.kubelet.k8s.io v1, v1beta1, v1alpha1) and the kubelet-side rules around
// it: the request a plugin reads, the response it writes byte for byte, kubelet's strict decode
// of that response, and the service account token claims of KEP-4412. Kubelet's cache keys and
// its CredentialProviderConfig are provider_config.hpp. Pure.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/go/duration.hpp"
#include "common/core/result.hpp"
#include "common/core/secret.hpp"

namespace regcred::core {

inline constexpr std::string_view k_provider_group = "credentialprovider.kubelet.k8s.io";
inline constexpr std::string_view k_provider_v1 = "credentialprovider.kubelet.k8s.io/v1";
inline constexpr std::string_view k_provider_v1beta1 = "credentialprovider.kubelet.k8s.io/v1beta1";
inline constexpr std::string_view k_provider_v1alpha1 =
    "credentialprovider.kubelet.k8s.io/v1alpha1";
bool is_provider_api_version(std::string_view v);

struct ProviderRequest {
  std::string api_version;
  std::string image;
  Secret service_account_token;  // v1 only; empty when kubelet sent none
  std::map<std::string, std::string> service_account_annotations;
};
// A CredentialProviderRequest as kubelet encodes it. Errors name the field: an apiVersion or
// kind kubelet never sends, a missing image, a field of the wrong type.
Result<ProviderRequest> parse_provider_request(std::string_view text);
// kubelet's encodeRequest, for tests and for `regcredctl explain`: compact, fields in kubelet's
// order, "\n" at the end.
std::string encode_provider_request(const ProviderRequest& r);

struct ProviderAuth {
  std::string username;
  Secret password;
};
struct ProviderResponse {
  std::string api_version;
  std::string cache_key_type;                 // Image, Registry or Global
  std::optional<std::string> cache_duration;  // a Go duration ("1m0s"); nullopt: not sent
  std::map<std::string, ProviderAuth> auth;   // image pattern -> credential
};
// The response bytes: {"kind":"CredentialProviderResponse","apiVersion":...,"cacheKeyType":...,
// "cacheDuration":...,"auth":{...}} compact, Go-escaped, map keys sorted, "\n" at the end.
std::string encode_provider_response(const ProviderResponse& r);

// kubelet's decodeResponse + the checks after it: the GVK read first, apiVersion equal to the
// configured one, strict decoding (known fields only, exact case, no duplicates), kind and
// cacheKeyType valid, cacheDuration a Go duration.
struct DecodedResponse {
  ProviderResponse response;
  std::optional<std::chrono::nanoseconds> cache_duration;
};
Result<DecodedResponse> decode_provider_response(std::string_view text,
                                                 std::string_view expected_api_version);

// The claims of a service account token kubelet requested for a pod (KEP-4412), read without
// checking the signature: regcredd trusts them only after kube::verified_namespace; the
// provider's fallback to the state folder, which only root can read, reads them as sent.
struct ServiceAccountClaims {
  std::string namespace_;
  std::string name;
  std::string uid;
  std::string pod;
  std::optional<std::int64_t> expires;  // Unix seconds
};
Result<ServiceAccountClaims> service_account_claims(const Secret& token);

}  // namespace regcred::core
