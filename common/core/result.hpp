// result.hpp: errors as values. Result<T> has the API of std::expected<T, Error> (which GCC 12
// only offers under -std=c++2b), so it can become an alias later. Owns no I/O.
#pragma once

#include <cassert>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace regcred {

// A small canonical set, in the spirit of absl::StatusCode. Exit codes derive from it in run().
enum class Code {
  invalid_argument,  // bad input: a manifest, a flag, a key
  not_found,
  parse_error,  // input that is not the format it claims to be
  io_error,
  unavailable,
  internal,
};

struct Error {
  Code code = Code::internal;
  std::string message;  // "action: cause"; never holds a credential

  // Prefixes the message with the action of the calling layer: "lint tag/regcred: ...".
  [[nodiscard]] Error context(std::string_view action) && {
    message = std::string(action) + ": " + message;
    return std::move(*this);
  }
};

struct Unexpected {
  Error error;
};
inline Unexpected fail(Code code, std::string message) {
  return Unexpected{Error{code, std::move(message)}};
}
inline Unexpected fail(Error e) {
  return Unexpected{std::move(e)};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Unexpected u) : v_(std::in_place_index<1>, std::move(u.error)) {}  // NOLINT

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  Error& error() & { return std::get<1>(v_); }
  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

  template <typename U>
  T value_or(U&& fallback) const& {
    return has_value() ? value() : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Unexpected u) : error_(std::move(u.error)), ok_(false) {}  // NOLINT
  bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const& { return error_; }
  Error&& error() && { return std::move(error_); }

 private:
  Error error_;
  bool ok_ = true;
};

inline Result<void> ok() {
  return {};
}

}  // namespace regcred

// TRY(expr): return the error of a failed Result<void> (or of any Result, ignoring its value).
#define REGCRED_TRY(expr)                                                           \
  do {                                                                              \
    auto&& regcred_try_r_ = (expr);                                                 \
    if (!regcred_try_r_) return ::regcred::fail(std::move(regcred_try_r_).error()); \
  } while (false)

#define REGCRED_CONCAT_INNER(a, b) a##b
#define REGCRED_CONCAT(a, b) REGCRED_CONCAT_INNER(a, b)
// TRY_ASSIGN(lhs, expr): lhs = value of expr, or return its error.
#define REGCRED_TRY_ASSIGN_IMPL(tmp, lhs, expr)             \
  auto tmp = (expr);                                        \
  if (!tmp) return ::regcred::fail(std::move(tmp).error()); \
  lhs = std::move(tmp).value()
#define REGCRED_TRY_ASSIGN(lhs, expr) \
  REGCRED_TRY_ASSIGN_IMPL(REGCRED_CONCAT(regcred_try_tmp_, __LINE__), lhs, expr)
