// writer.hpp: the publisher's writes: the published Secrets (create, update with the
// resourceVersion read, delete with the uid read as a precondition) and the Events on refused
// Secrets. Each write is made only while the caller still leads.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "common/core/secret_manifest.hpp"
#include "common/kube/http.hpp"
#include "publisher/plan/plan.hpp"

namespace regcred::publisher {

struct Applied {
  int created = 0, updated = 0, deleted = 0, failed = 0;
  bool stopped = false;  // leadership ended before the last write
};

// The published Secret object for `p` (create; with `resource_version` for an update).
std::string published_object(std::string_view publish_ns, const Published& p,
                             std::string_view resource_version);

// Whether `current` (as read) already is what `p` asks for.
bool up_to_date(const core::SecretManifest& current, const Published& p);

class Writer {
 public:
  Writer(kube::CredentialSource& creds, std::string publish_ns, const std::string& user_agent);

  // Makes the publish namespace hold what `plan` publishes and nothing else of ours.
  Applied apply(const Plan& plan, const std::vector<core::SecretManifest>& published,
                const std::function<bool()>& may_write);

  // An Event on the refused Secret, in its namespace.
  bool post_refusal(const Refusal& r);

 private:
  kube::Client client_;
  std::string ns_;
};

}  // namespace regcred::publisher
