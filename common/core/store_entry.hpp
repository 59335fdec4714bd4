// store_entry.hpp: one registry key as regcredd serves it, and where its credential came from:
// what the daemon's store holds (daemon/sync/store.hpp) and its state folder keeps
// (common/io/state_folder.hpp). Pure.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/core/answer.hpp"
#include "common/core/docker_config.hpp"

namespace regcred::core {

struct Provenance {
  std::string source;  // "dir:/etc/regcred/secrets", "kube:https://10.0.0.1:6443", "local"
  std::string namespace_;
  std::string name;
  std::string uid;
  std::string resource_version;
  // "NAMESPACE/NAME" of the secret regcred-publisher published this one from (its
  // regcred.io/origin annotation, trusted in published mode only); "" otherwise.
  std::string origin;
  std::string display() const { return source == "local" ? "local" : namespace_ + "/" + name; }
  // The store's precedence as a string: lower wins (namespace, name, source; local first).
  std::string rank() const;
};

struct StoreEntry {
  std::string key;  // the registry key as the secret writes it
  Credential credential;
  std::string email;
  Provenance from;
  std::vector<Provenance> shadowed;
};

using StoreEntries = std::map<std::string, StoreEntry>;  // by key

// Entries as the helpers' table (key order).
CredentialTable table_of(const StoreEntries& entries);

// "a\0b\0c": ordered as the tuple (a, b, c), since no name holds a NUL.
std::string join_nul(const std::string& a, const std::string& b, const std::string& c);

}  // namespace regcred::core
