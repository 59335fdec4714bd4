#include "publisher/app/writer.hpp"

#include <nlohmann/json.hpp>

#include "common/core/go/encoding.hpp"
#include "common/io/log.hpp"
#include "common/kube/event.hpp"

namespace regcred::publisher {
namespace {

using nlohmann::json;

std::string secrets_path(std::string_view ns) {
  return "/api/v1/namespaces/" + std::string(ns) + "/secrets";
}

json annotations_of(const Published& p) {
  return {{core::k_origin_annotation, p.origin_ns + "/" + p.origin_name},
          {core::k_origin_uid_annotation, p.origin_uid},
          {core::k_origin_rv_annotation, p.origin_rv}};
}

json labels_of(const Published& p) {
  json l = {{core::k_published_label, "true"}};
  if (!p.serves_namespace.empty()) l[core::k_serves_namespace_label] = p.serves_namespace;
  return l;
}

std::string outcome(const Result<kube::HttpResult>& r) {
  return r ? "HTTP " + std::to_string(r->status) : r.error().message;
}

}  // namespace

std::string published_object(std::string_view publish_ns, const Published& p,
                             std::string_view resource_version) {
  json meta = {{"name", p.name},
               {"namespace", publish_ns},
               {"labels", labels_of(p)},
               {"annotations", annotations_of(p)}};
  if (!resource_version.empty()) meta["resourceVersion"] = resource_version;
  return json{{"apiVersion", "v1"},
              {"kind", "Secret"},
              {"metadata", std::move(meta)},
              {"type", core::k_type_dockerconfigjson},
              {"data", {{core::k_key_dockerconfigjson, core::base64_encode(p.payload)}}}}
      .dump();
}

bool up_to_date(const core::SecretManifest& current, const Published& p) {
  const auto data = current.data.find(std::string(core::k_key_dockerconfigjson));
  if (current.type != core::k_type_dockerconfigjson || data == current.data.end() ||
      data->second.reveal() != p.payload || current.data.size() != 1)
    return false;
  const auto serves = current.labels.find(std::string(core::k_serves_namespace_label));
  if ((serves == current.labels.end() ? "" : serves->second) != p.serves_namespace) return false;
  const json wanted = annotations_of(p);
  for (const auto& [k, v] : wanted.items()) {
    const auto a = current.annotations.find(k);
    if (a == current.annotations.end() || a->second != v.get<std::string>()) return false;
  }
  return true;
}

Writer::Writer(kube::CredentialSource& creds, std::string publish_ns, const std::string& user_agent)
    : client_(creds), ns_(std::move(publish_ns)) {
  client_.set_user_agent(user_agent);
  client_.set_request_timeout(std::chrono::seconds(10));
}

Applied Writer::apply(const Plan& plan, const std::vector<core::SecretManifest>& published,
                      const std::function<bool()>& may_write) {
  std::map<std::string, const core::SecretManifest*> current;  // by name
  for (const auto& s : published)
    current.emplace(s.name, &s);
  Applied a;
  std::map<std::string, const Published*> wanted;
  for (const auto& p : plan.publish)
    wanted.emplace(p.name, &p);
  auto write = [&](const std::string& method, const std::string& path, const std::string& body,
                   const std::string& name, int& count) {
    if (!may_write()) {
      a.stopped = true;
      return;
    }
    auto r = client_.send(method, path, "application/json", body);
    if (r && r->status / 100 == 2) {
      ++count;
      io::log_info(method == "POST"  ? "published"
                   : method == "PUT" ? "published again"
                                     : "withdrew",
                   {{"secret", ns_ + "/" + name}});
      return;
    }
    ++a.failed;
    io::log_warning("cannot write a published secret; will retry",
                    {{"secret", ns_ + "/" + name}, {"method", method}, {"error", outcome(r)}});
  };
  for (const auto& [name, p] : wanted) {
    const auto cur = current.find(name);
    if (cur == current.end()) {
      write("POST", secrets_path(ns_), published_object(ns_, *p, ""), name, a.created);
    } else if (!up_to_date(*cur->second, *p)) {
      write("PUT", secrets_path(ns_) + "/" + name,
            published_object(ns_, *p, cur->second->resource_version), name, a.updated);
    }
    if (a.stopped) return a;
  }
  for (const auto& [name, cur] : current) {
    if (wanted.contains(name)) continue;
    const json opts = {
        {"kind", "DeleteOptions"}, {"apiVersion", "v1"}, {"preconditions", {{"uid", cur->uid}}}};
    write("DELETE", secrets_path(ns_) + "/" + name, opts.dump(), name, a.deleted);
    if (a.stopped) return a;
  }
  return a;
}

bool Writer::post_refusal(const Refusal& r) {
  const json ev =
      kube::event_object({r.ns,
                          {{"kind", "Secret"},
                           {"namespace", r.ns},
                           {"name", r.name},
                           {"uid", r.uid},
                           {"apiVersion", "v1"},
                           {"resourceVersion", r.resource_version}},
                          r.key.empty() ? "SecretNotPublished" : "RegistryKeyNotPublished",
                          r.reason,
                          "Warning",
                          "regcred-publisher",
                          ""});
  auto res =
      client_.send("POST", "/api/v1/namespaces/" + r.ns + "/events", "application/json", ev.dump());
  if (res && res->status / 100 == 2) return true;
  io::log_warning("cannot post an event on a refused secret",
                  {{"secret", r.ns + "/" + r.name}, {"error", outcome(res)}});
  return false;
}

}  // namespace regcred::publisher
