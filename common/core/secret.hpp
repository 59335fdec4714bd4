// secret.hpp: Secret, a credential that cannot reach a log line or an error text by accident.
// It has no implicit conversion, prints as <redacted>, and has no nlohmann to_json. reveal() is
// the one way out; grep for it to audit every place a credential is serialised.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

namespace regcred {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}

  // The credential itself. Callers: the docker config and kubelet response serialisers, and
  // code that derives another secret (base64 of user:password) or compares two secrets.
  const std::string& reveal() const { return value_; }

  bool empty() const { return value_.empty(); }
  std::size_t size() const { return value_.size(); }

  friend bool operator==(const Secret&, const Secret&) = default;
  friend std::ostream& operator<<(std::ostream& os, const Secret&) { return os << "<redacted>"; }

 private:
  std::string value_;
};

}  // namespace regcred

// nlohmann's ADL lookup finds this deleted overload first, so `json j = secret;` does not compile.
namespace regcred {
template <typename Json>
void to_json(Json&, const Secret&) = delete;
}  // namespace regcred
