#include "helper/ctl/doctor.hpp"
#include "common/core/json_fields.hpp"

#include <unistd.h>

#include <array>
#include <iostream>

#include <nlohmann/json.hpp>

#include "common/core/image_ref.hpp"
#include "common/core/match.hpp"
#include "common/core/provider.hpp"
#include "common/core/socket_api.hpp"
#include "common/core/status_api.hpp"
#include "common/io/status_client.hpp"
#include "helper/backend/backend.hpp"
#include "helper/ctl/output.hpp"
#include "helper/ctl/pull_cmd.hpp"
#include "helper/ctl/runtime_pull.hpp"

namespace regcred::ctl {
namespace {

using nlohmann::json;
namespace socket_api = core::socket_api;
namespace status_api = core::status_api;

std::optional<json> get_json(const std::string& socket, const std::string& target,
                             std::string& error) {
  auto r = io::status_request(socket, "GET", target, "");
  if (!r) {
    error = r.error().message;
    return std::nullopt;
  }
  json j = json::parse(r->body, nullptr, false);
  if (r->status != 200 || !j.is_object()) {
    const std::string said = socket_api::error_text(r->body);
    error = "regcredd answered " + std::to_string(r->status) + " for " + target +
            (said.empty() ? "" : ": " + said);
    return std::nullopt;
  }
  return j;
}

std::string host_name() {
  std::array<char, 256> buf{};
  if (::gethostname(buf.data(), buf.size() - 1) != 0) return "(unknown)";
  return buf.data();
}

struct Step {
  int number;
  std::string name;
  std::string state;  // passed, failed, warning, skipped
  std::string detail;
  std::string hint;
};

json step_json(const Step& s) {
  return {{"step", s.number},
          {"name", s.name},
          {"state", s.state},
          {"detail", s.detail},
          {"hint", s.hint}};
}

// The pull test's class -> which step failed and what to do next.
std::string hint_for(const std::string& cls, const json& r) {
  const std::string msg = core::json_value(r, "message", "");
  if (cls == "dns")
    return "the node cannot resolve the registry: check /etc/resolv.conf and /etc/hosts on the "
           "node (not cluster DNS), and the registry name in the image";
  if (cls == "connect")
    return "nothing answers on the registry's port from this node: check firewalls, the proxy "
           "settings of the container runtime (HTTPS_PROXY/NO_PROXY), and the port in the image";
  if (cls == "tls-untrusted")
    return "the registry's certificate is signed by a CA this node does not trust: install the CA "
           "(/usr/local/share/ca-certificates, update-ca-certificates; containerd: "
           "/etc/containerd/certs.d/HOST/ca.crt)";
  if (cls == "tls-hostname")
    return "the registry's certificate is for another name: use the name on the certificate in the "
           "image, or reissue the certificate with this name";
  if (cls == "tls-expired")
    return "the registry's certificate has expired or is not valid yet: renew it, or check this "
           "node's clock (timedatectl)";
  if (cls == "plain-http")
    return "the registry speaks plain HTTP: serve it with TLS, or configure the runtime to use it "
           "insecurely (containerd hosts.toml)";
  if (cls == "bad-credentials")
    return "the registry refused the credential: the password or token is wrong or expired; update "
           "the pull secret (regcredctl secret create ... | kubectl apply -f -)";
  if (cls == "no-access")
    return "the credential may not pull this repository, or the repository does not exist "
           "(registries answer both the same): check the repository name and the account's "
           "permissions; with no credential, add a pull secret for this registry";
  if (cls == "forbidden")
    return "the registry denied the credential (an expired cloud token answers like this): refresh "
           "the credential";
  if (cls == "not-found")
    return "the registry has no such tag or repository: check the image name and tag";
  if (cls == "rate-limited")
    return "the registry rate-limits this node (" + msg +
           "): authenticate the pulls, use a mirror, or wait";
  if (cls == "wrong-platform")
    return "the image has no build for this node's platform: build for it, or schedule the pod on "
           "a matching node";
  if (cls == "server-error")
    return "the registry failed: retry later, and check the registry's own health";
  return msg;
}

// The credential kubelet would try first for the image, as regcred-credential-provider answers.
std::optional<std::pair<std::string, Secret>> node_credential(const DoctorArgs& a,
                                                              const core::ImageRef& ref) {
  helper_backend::DaemonBackend backend(a.socket, a.state_dir);
  core::ProviderRequest req{std::string(core::k_provider_v1), ref.name(), Secret(), {}};
  auto text = backend.provide(core::encode_provider_request(req), req, "0s");
  if (!text) return std::nullopt;
  auto d = core::decode_provider_response(*text, core::k_provider_v1);
  if (!d || d->response.auth.empty()) return std::nullopt;
  // kubelet's order: reverse-sorted patterns, most specific first.
  const auto& first = *d->response.auth.rbegin();
  return std::make_pair(first.second.username, first.second.password);
}

void print_table(const std::vector<Step>& steps, const std::string& verdict, std::ostream& out) {
  for (const auto& s : steps) {
    const char* mark = s.state == "passed"    ? "[ok]  "
                       : s.state == "failed"  ? "[FAIL]"
                       : s.state == "warning" ? "[warn]"
                                              : "[skip]";
    out << mark << " " << s.number << ". " << s.name << "\n";
    if (!s.detail.empty()) out << "         " << s.detail << "\n";
    if (!s.hint.empty() && s.state != "passed") out << "         next: " << s.hint << "\n";
  }
  out << "VERDICT  " << verdict << "\n";
}

}  // namespace

int run_status(const std::string& socket, const std::string& format, std::ostream& out,
               std::ostream& err) {
  std::string error;
  auto status = get_json(socket, "/v1/status", error);
  if (!status) {
    err << "regcredctl: status: regcredd does not answer on " << socket << ": " << error << "\n";
    return 1;
  }
  std::map<std::string, std::vector<json>> pull_results;
  if (auto pulls = get_json(socket, "/v1/pulltests", error)) {
    if (auto p = status_api::decode_pulltests(*pulls)) pull_results = std::move(p->results);
    (*status)["pullTests"] = pull_results;
  }
  if (format != "table") {
    print_structured(nlohmann::ordered_json::parse(status->dump()), format, out);
    return 0;
  }
  auto decoded = status_api::decode_status(*status);
  if (!decoded) {
    err << "regcredctl: status: " << decoded.error().message << "\n";
    return 1;
  }
  const status_api::Status& s = *decoded;
  out << "NODE        " << s.node << "\n";
  out << "REGCREDD    " << s.version << ", " << (s.ready ? "ready" : "not ready") << ", last sync "
      << s.last_sync.value_or("never") << "\n";
  out << "STORE       " << s.store.secrets << " secrets, " << s.store.registries << " registries, "
      << s.store.rejected << " rejected, " << s.store.shadowed << " shadowed\n";
  if (const auto& w = s.withheld) {
    out << "SOURCES     " << w->sources_synced << " of " << w->sources << " synced\n";
    out << "FILES       " << w->files - w->files_failed << " of " << w->files << " ok\n";
    out << "DETAILS     for root and the socket's group only (names, keys, paths, errors)\n";
  }
  for (const auto& src : s.sources) {
    out << "SOURCE      " << src.name << ": " << (src.synced ? "synced" : "not synced")
        << (src.last_error.empty() ? "" : ", last error: " + src.last_error) << "\n";
  }
  for (const auto& sk : s.sinks) {
    out << "FILE        " << sk.path << ": " << (sk.ok ? "ok" : "FAILED " + sk.error) << ", "
        << sk.entries << " entries, " << sk.conflicts.size() << " conflicts\n";
  }
  for (const auto& sec : s.secrets) {
    if (sec.source.origin.empty() || sec.rejected) continue;
    std::string keys;
    for (const auto& k : sec.keys)
      keys += (keys.empty() ? "" : ", ") + k;
    out << "PUBLISHED   " << sec.secret << " from " << sec.source.origin << ": " << keys << "\n";
  }
  for (const auto& sec : s.secrets) {
    if (!sec.rejected && sec.problems.empty()) continue;
    out << (sec.rejected ? "REJECTED    " : "WARNING     ") << sec.secret << "\n";
    for (const auto& p : sec.problems)
      out << "              " << p << "\n";
  }
  for (const auto& [image, list] : pull_results) {
    if (list.empty()) continue;
    const auto& r = list[0];
    out << "PULL TEST   " << image << ": " << core::json_value(r, "class", "") << " ("
        << core::json_value(r, "finishedAt", "") << ")\n";
  }
  return 0;
}

int run_reload(const std::string& socket, std::ostream& out, std::ostream& err) {
  auto r = io::status_request(socket, "POST", "/v1/reload", "{}");
  if (!r) {
    err << "regcredctl: reload: regcredd does not answer on " << socket << ": " << r.error().message
        << "\n";
    return 1;
  }
  json j = json::parse(r->body, nullptr, false);
  if (r->status != 200) {
    err << "regcredctl: reload: " << (j.is_object() ? core::json_value(j, "error", "") : r->body)
        << "\n";
    return 1;
  }
  out << "regcredd is reloading its configuration\n";
  return 0;
}

int run_doctor(const DoctorArgs& a, const std::string& format, std::ostream& out,
               std::ostream& err) {
  auto ref = core::parse_image_ref(a.image);
  if (!ref) {
    err << "regcredctl: doctor: " << ref.error().message << "\n";
    return 2;
  }
  std::vector<Step> steps;
  std::string verdict;
  auto fail_verdict = [&](const std::string& v) {
    if (verdict.empty()) verdict = v;
  };

  // 1. This node, and regcredd.
  std::string error;
  std::optional<status_api::Status> status;
  if (auto j = get_json(a.socket, "/v1/status", error)) {
    if (auto s = status_api::decode_status(*j)) {
      status = std::move(*s);
    } else {
      error = s.error().message;
    }
  }
  Step s1{1, "node " + host_name() + ": regcredd runs and is in sync", "passed", "", ""};
  if (!status) {
    s1.state = "failed";
    s1.detail = "regcredd does not answer on " + a.socket + ": " + error;
    s1.hint =
        "systemctl status regcredd; journalctl -u regcredd (the checks below use its state folder)";
    fail_verdict("regcredd is not running on this node: start it (systemctl start regcredd)");
  } else {
    const status_api::Status& st = *status;
    std::vector<std::string> bad;
    for (const auto& sk : st.sinks) {
      if (!sk.ok) bad.push_back(sk.path + ": " + sk.error);
    }
    s1.detail = "node " + st.node + ", regcredd " + st.version + ", " +
                std::to_string(st.store.secrets) + " secrets, last sync " +
                st.last_sync.value_or("never");
    if (!st.ready) {
      s1.state = "failed";
      s1.hint = "regcredd has not finished its first sync: check its sources (regcredctl status)";
      fail_verdict("regcredd is not in sync yet: check its sources with regcredctl status");
    } else if (!bad.empty()) {
      s1.state = "failed";
      s1.detail += "; a credential file failed: " + bad.front();
      s1.hint =
          "fix the file's folder (disk full, read-only, permissions); regcredd retries by itself";
      fail_verdict("regcredd cannot write " + bad.front());
    }
  }
  steps.push_back(s1);

  // 2 and 3. The registry from this node, and a manual pull with the node's credentials.
  PullTestArgs pa{a.image, std::nullopt, a.namespace_, a.ca_files, a.socket, a.state_dir};
  PullTestRun run = pull_test(pa);
  const json& r = run.result;
  const std::string cls = core::json_value(r, "class", "");
  const std::string phase = core::json_value(r, "phase", "");
  std::string addrs;
  if (r.contains("addresses")) {
    for (const auto& x : r["addresses"])
      addrs += (addrs.empty() ? "" : ", ") + x.get<std::string>();
  }
  const bool network_failed =
      cls == "dns" || cls == "connect" || cls.starts_with("tls-") || cls == "plain-http";
  Step s2{2, "the registry's name resolves and it is reachable (TCP, TLS)", "passed",
          addrs.empty() ? "" : "resolves to " + addrs, ""};
  if (network_failed) {
    s2.state = "failed";
    s2.detail = cls + " (phase " + phase + "): " + core::json_value(r, "message", "");
    s2.hint = hint_for(cls, r);
    fail_verdict(cls + ": " + s2.hint);
  }
  steps.push_back(s2);
  Step s3{3, "a pull of the image with the node's credentials (registry protocol)", "passed", "",
          ""};
  if (network_failed) {
    s3.state = "skipped";
    s3.detail = "the registry is not reachable";
  } else if (!core::json_value(r, "ok", false)) {
    s3.state = "failed";
    s3.detail =
        cls + " (phase " + phase +
        (r["httpStatus"].is_number() ? ", HTTP " + std::to_string(r["httpStatus"].get<long>())
                                     : "") +
        "): " + core::json_value(r, "message", "");
    s3.hint = hint_for(cls, r);
    fail_verdict(cls + ": " + s3.hint);
  } else {
    s3.detail = "digest " + core::json_value(r, "digest", "");
  }
  if (r.contains("credential") && r["credential"].is_object()) {
    s3.detail += (s3.detail.empty() ? "" : "; ") + std::string("credential from ") +
                 core::json_value(r["credential"], "from", "") + " (key " +
                 core::json_value(r["credential"], "key", "") + ")";
  } else if (s3.state != "skipped") {
    s3.detail +=
        (s3.detail.empty() ? "" : "; ") + std::string("no credential matched: anonymous pull");
  }
  s3.detail += "; run by " + run.ran_by;
  steps.push_back(s3);

  // 3b. The same pull through the container runtime, where there is one.
  Step s3b{3, "a pull of the image through the container runtime (containerd)", "skipped", "", ""};
  if (!network_failed) {
    RuntimePullArgs ra;
    ra.socket = a.containerd_socket;
    ra.hosts_dir = a.containerd_hosts_dir;
    ra.image = ref->full();
    if (ref->tag.empty() && ref->digest.empty()) ra.image += ":latest";
    if (auto cred = node_credential(a, *ref)) {
      ra.username = cred->first;
      ra.password = std::move(cred->second);
    }
    auto rr = runtime_pull(ra);
    if (!rr.ran) {
      s3b.detail = rr.message;
    } else if (rr.ok) {
      s3b.state = "passed";
      s3b.detail =
          "containerd pulled " + ra.image + (ra.username ? " as " + *ra.username : " anonymously");
    } else {
      s3b.state = "failed";
      s3b.detail = "containerd: " + rr.message;
      s3b.hint =
          "the registry protocol pull and the runtime disagree: check the runtime's registry "
          "config (hosts.toml, CA, mirrors, proxy)";
      fail_verdict("containerd cannot pull " + ra.image + ": " + rr.message);
    }
  }
  steps.push_back(s3b);

  // 4 and 5. The pull secret in the pod's namespace.
  Step s4{4, "the pull secret exists in the pod's namespace, decodes and covers the registry",
          "passed", "", ""};
  Step s5{5, "its .dockerconfigjson is compact, well-formed JSON", "passed", "", ""};
  if (!status) {
    s4.state = s5.state = "skipped";
    s4.detail = s5.detail = "needs regcredd's status";
  } else if (!a.namespace_) {
    s4.state = s5.state = "skipped";
    s4.detail = s5.detail =
        "give the pod's namespace (-n NS) and its imagePullSecret (--secret NAME)";
  } else {
    // In published mode the pod's secret reaches the node as the copy regcred-publisher made,
    // which names it as its origin.
    std::string published_ns;
    for (const auto& src : status->sources)
      published_ns = core::json_value(src.json, "publishedNamespace", published_ns);
    std::vector<const status_api::SecretReport*> candidates;
    for (const auto& sec : status->secrets) {
      const auto slash = sec.source.origin.find('/');
      const bool from_origin = slash != std::string::npos &&
                               sec.source.origin.substr(0, slash) == *a.namespace_ &&
                               (!a.secret || sec.source.origin.substr(slash + 1) == *a.secret);
      const bool direct =
          sec.source.namespace_ == *a.namespace_ && (!a.secret || sec.source.name == *a.secret);
      if (from_origin || direct) candidates.push_back(&sec);
    }
    const std::string what = *a.namespace_ + (a.secret ? "/" + *a.secret : " (any pull secret)");
    if (candidates.empty() && !published_ns.empty()) {
      // The node cannot see the pod's namespace: whether the secret exists is the publisher's
      // to say, in an Event on it.
      s4.state = "skipped";
      s4.detail = "this node reads only what regcred-publisher published into " + published_ns +
                  ", and nothing was published from " + what +
                  ": if it exists, the admin's policy keeps it off nodes (or it lacks the label "
                  "regcred.io/sync=true); kubelet still uses it for the pod through its "
                  "imagePullSecrets";
      s4.hint = "kubectl -n " + *a.namespace_ +
                " get events --field-selector involvedObject.kind=Secret" +
                (a.secret ? ",involvedObject.name=" + *a.secret : "") +
                " (the publisher's reason), and the policy: kubectl -n " + published_ns +
                " get configmap regcred-policy -o yaml";
      s5.state = "skipped";
      s5.detail = "not on this node";
    } else if (candidates.empty()) {
      s4.state = "failed";
      s4.detail = "regcredd has no pull secret " + what;
      s4.hint = "kubectl -n " + *a.namespace_ + " get secret" + (a.secret ? " " + *a.secret : "") +
                ": it must exist in the pod's namespace, have type kubernetes.io/dockerconfigjson, "
                "and carry the label regcred.io/sync=true (or regcredd must run with "
                "--namespace-credentials)";
      s5.state = "skipped";
      fail_verdict("the pull secret " + what + " is not there: " + s4.hint);
    } else {
      std::vector<std::string> keys;
      std::vector<std::string> problems;
      bool rejected = false;
      for (const auto* sec : candidates) {
        rejected = rejected || sec->rejected;
        keys.insert(keys.end(), sec->keys.begin(), sec->keys.end());
        problems.insert(problems.end(), sec->problems.begin(), sec->problems.end());
      }
      core::KubeletKeyring ring(keys);
      auto matches = ring.lookup(ref->name());
      if (rejected) {
        s4.state = "failed";
        s4.detail = "rejected: " +
                    (problems.empty() ? std::string("see regcredctl status") : problems.front());
        s4.hint = "fix the secret (regcredctl secret lint, regcredctl secret create)";
        fail_verdict("the pull secret " + what + " is broken: " + s4.detail);
      } else if (matches.empty()) {
        std::string ks;
        for (const auto& k : keys)
          ks += (ks.empty() ? "" : ", ") + k;
        s4.state = "failed";
        s4.detail = "its keys (" + ks + ") do not match " + ref->name() + " under kubelet's rules";
        s4.hint =
            "add the registry as it appears in the image (host[:port], ports must be equal); "
            "regcredctl explain " +
            a.image;
        fail_verdict("the pull secret " + what + " does not cover " + ref->domain + ": " + s4.hint);
      } else {
        s4.detail = "kubelet would try key " + keys[matches.front().of.front()] + " first";
        if (!candidates.front()->source.origin.empty()) {
          s4.detail += " (published as " + candidates.front()->secret + " from " +
                       candidates.front()->source.origin + ")";
        }
      }
      std::vector<std::string> lint;
      for (const auto& p : problems) {
        if (p.find("not-compact") != std::string::npos || p.find("JSON") != std::string::npos)
          lint.push_back(p);
      }
      if (!lint.empty()) {
        s5.state = rejected ? "failed" : "warning";
        s5.detail = lint.front();
        s5.hint =
            "re-create it with kubectl create secret docker-registry or regcredctl secret create "
            "(no newline, space or tab in the JSON before base64)";
      } else if (rejected && problems.empty()) {
        s5.state = "failed";
      } else {
        s5.detail = "no lint problem";
      }
    }
  }
  steps.push_back(s4);
  steps.push_back(s5);

  // 6. The verdict.
  const bool all_ok = verdict.empty();
  if (all_ok)
    verdict = "no problem found: this node can pull " + ref->full() + " with its credentials";
  if (format == "table") {
    print_table(steps, verdict, out);
  } else {
    json j = {{"image", ref->full()}, {"ok", all_ok}, {"verdict", verdict}, {"pullTest", r}};
    json sj = json::array();
    for (const auto& s : steps)
      sj.push_back(step_json(s));
    j["steps"] = sj;
    print_structured(nlohmann::ordered_json::parse(j.dump()), format, out);
  }
  return all_ok ? 0 : 1;
}

}  // namespace regcred::ctl
