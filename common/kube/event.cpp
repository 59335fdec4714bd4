#include "common/kube/event.hpp"

#include <chrono>
#include <sstream>

#include "common/io/time_text.hpp"

namespace regcred::kube {

nlohmann::json event_object(const EventFields& f) {
  const auto now = std::chrono::system_clock::now();
  std::ostringstream suffix;  // as kubectl's recorder: the object's name, a dot, hex nanoseconds
  suffix << std::hex
         << std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  const std::string at = io::rfc3339(now);
  nlohmann::json source = {{"component", f.component}};
  if (!f.host.empty()) source["host"] = f.host;
  nlohmann::json ev = {{"kind", "Event"},
                       {"apiVersion", "v1"},
                       {"metadata",
                        {{"name", f.involved_object.value("name", "object") + "." + suffix.str()},
                         {"namespace", f.ns}}},
                       {"involvedObject", f.involved_object},
                       {"reason", f.reason},
                       {"message", f.message},
                       {"type", f.type},
                       {"source", std::move(source)},
                       {"firstTimestamp", at},
                       {"lastTimestamp", at},
                       {"count", 1},
                       {"reportingComponent", f.component}};
  if (!f.host.empty()) ev["reportingInstance"] = f.host;
  return ev;
}

}  // namespace regcred::kube
