// event.hpp: a core/v1 Event object as regcredd (on its Node) and regcred-publisher (on a
// refused Secret) post it: a unique name from the object's, the involved object, timestamps now.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace regcred::kube {

struct EventFields {
  std::string ns;                  // where the Event lives
  nlohmann::json involved_object;  // kind, name, uid, apiVersion (and namespace, resourceVersion)
  std::string reason;
  std::string message;
  std::string type;       // Normal, Warning
  std::string component;  // source.component and reportingComponent
  std::string host;       // source.host and reportingInstance; "" for none
};

nlohmann::json event_object(const EventFields& f);

}  // namespace regcred::kube
