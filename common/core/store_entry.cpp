#include "common/core/store_entry.hpp"

namespace regcred::core {

std::string join_nul(const std::string& a, const std::string& b, const std::string& c) {
  std::string s;
  s.reserve(a.size() + b.size() + c.size() + 2);
  s += a;
  s += '\0';
  s += b;
  s += '\0';
  s += c;
  return s;
}

std::string Provenance::rank() const {
  return join_nul(namespace_, name, source);
}

CredentialTable table_of(const StoreEntries& entries) {
  CredentialTable t;
  t.reserve(entries.size());
  for (const auto& [key, e] : entries)
    t.push_back({key, e.credential, e.from.rank(), e.from.display()});
  return t;
}

}  // namespace regcred::core
