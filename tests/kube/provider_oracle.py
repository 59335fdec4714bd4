#!/usr/bin/python3
"""kubelet's exec credential provider client as the oracle for regcred-credential-provider.

provider_oracle.py files PROVIDER ORACLE KUBELET_CONFIG TMP [--seed N] [--configs N] [--images N]
provider_oracle.py secrets DIR [--seed N]
provider_oracle.py tokens PROVIDER ORACLE KUBELET_CONFIG TMP SOCKET STATE [--seed N]
                   [--signing-key PEM]

kubelet (ORACLE, tests/kube/cmd/provider-oracle) runs the provider from the shipped
CredentialProviderConfig KUBELET_CONFIG, and what it gets through the plugin is compared with
what its keyring gives over the same credentials read directly:

- files: every generated config of cases.py, answered with --docker-config, in one kubelet per
  config (a cache of its own), the provider's apiVersion alternating v1 and v1beta1; each image
  asked twice: the second time kubelet must answer from its cache when the first answer had
  credentials, and must run the provider again when it had none (an empty answer is not cached).
  Then --cache-duration 1s: an answer is reused, then expires.
- secrets: writes the token mode's Secrets (two namespaces and a node-wide one) into DIR.
- tokens: regcredd (--namespace-credentials over DIR, on SOCKET) answers kubelet in service
  account token mode: each pod gets its own namespace's keys, a pod without a service account
  the node-wide ones, and kubelet's per-service-account cache never hands one namespace's answer
  to another.

Prints one line per disagreement and exits 1 when there is any."""
import argparse
import base64
import json
import os
import random
import subprocess
import sys
import time

from cases import IMAGES, KEYS, generate

NAMESPACES = {"team-a": "a", "team-b": "b"}  # namespace -> username prefix
NODE_WIDE = ("infra", "n")


def config_of(keys, prefix="u"):
    auths = {}
    for i, k in enumerate(keys):
        user = f"{prefix}{i}"
        auths[k] = {"username": user, "password": "pw",
                    "auth": base64.b64encode(f"{user}:pw".encode()).decode()}
    return {"auths": auths}


def provider_config(shipped, api_version, args):
    """The shipped kubelet config, with the provider's apiVersion and args."""
    lines = []
    for line in open(shipped).read().splitlines():
        if line.strip().startswith("apiVersion: credentialprovider.kubelet.k8s.io/"):
            line = line.split("apiVersion:")[0] + "apiVersion: " + api_version
        lines.append(line)
        if line.strip() == "- name: regcred-credential-provider":
            indent = line.split("-")[0] + "  "
            lines.append(indent + "args: " + json.dumps(args))
    return "\n".join(lines) + "\n"


class Kubelet:
    """One kubelet: the oracle over a plugin folder whose wrapper counts the runs."""

    def __init__(self, provider, oracle, config_text, folder, signing_key=""):
        os.makedirs(folder, exist_ok=True)
        bin_dir = os.path.join(folder, "bin")
        os.makedirs(bin_dir, exist_ok=True)
        self.calls = os.path.join(folder, "calls")
        open(self.calls, "w").close()
        wrapper = os.path.join(bin_dir, "regcred-credential-provider")
        with open(wrapper, "w") as f:
            f.write(f"#!/bin/sh\necho run >>'{self.calls}'\nexec '{provider}' \"$@\"\n")
        os.chmod(wrapper, 0o755)
        self.config = os.path.join(folder, "kubelet-provider.yaml")
        with open(self.config, "w") as f:
            f.write(config_text)
        self.proc = subprocess.Popen([oracle, "--config", self.config, "--bin-dir", bin_dir,
                                      "--calls", self.calls, "--signing-key", signing_key],
                                     stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def ask(self, image, want, namespace="", pod="", sa=""):
        self.proc.stdin.write(json.dumps({"image": image, "want": want, "namespace": namespace,
                                          "pod": pod, "serviceAccount": sa}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the oracle stopped: " + self.proc.stderr.read())
        return json.loads(line)

    def close(self):
        """kubelet's own error lines (klog's E lines): a response it could not use."""
        self.proc.stdin.close()
        self.proc.wait()
        return [l for l in self.proc.stderr.read().splitlines() if l.startswith("E")]


def same(a, b):
    """Lookup's order, where keys filed under one index entry come back in Go's map order: the
    same sequence of index entries, and the same users in each."""
    return ([m["index"] for m in a] == [m["index"] for m in b] and
            sorted((m["index"], m["user"]) for m in a) == sorted((m["index"], m["user"]) for m in b))


def collapsed(got, want, config):
    """regcred's one deliberate difference: kubelet's keyring files every spelling of a registry
    key under one index entry and tries each, in Go's map order (keyring.go, Add:
    `dk.creds[key] = append(dk.creds[key], *trackedCreds)` over `for loc, ident := range cfg`);
    regcred answers one credential per normalised key, the store's winner, which for one
    config is the first key in byte order (docs/helpers.md, "Which keys"). True when `got` is
    `want` with each index group reduced to that winner."""
    key_of = {e["username"]: k for k, e in config["auths"].items()}
    groups = []
    for m in want:
        if groups and groups[-1][0] == m["index"]:
            groups[-1][1].append(m["user"])
        else:
            groups.append((m["index"], [m["user"]]))
    winners = [(index, min(users, key=lambda u: key_of[u])) for index, users in groups]
    return len(winners) < len(want) and winners == [(m["index"], m["user"]) for m in got]


class Tally:
    def __init__(self):
        self.bad = 0
        self.asked = 0
        self.outside = 0
        self.collapsed = 0

    def fail(self, what):
        self.bad += 1
        print("not ok - " + what)

    def first(self, r, case, config):
        """A first ask: kubelet gets through the plugin what its keyring gets from the file."""
        self.asked += 1
        if r.get("error"):
            return
        if not r["allowed"]:
            self.outside += 1
            if r["got"] or r["execs"]:
                self.fail(f"outside matchImages, yet the plugin ran or answered: {case}")
            return
        if collapsed(r["got"], r["want"], config):
            self.collapsed += 1
        elif not same(r["got"], r["want"]):
            self.fail(f"kubelet got {[m['user'] for m in r['got']]} through the plugin, "
                      f"{[m['user'] for m in r['want']]} from the file: {case}")

    def again(self, first, r, case):
        """The same ask again: cached when the first answer had credentials, else run again."""
        self.asked += 1
        if r.get("error") or not r["allowed"]:
            return
        if not same(r["got"], first["got"]):
            self.fail(f"the second ask got {r['got']}, the first {first['got']}: {case}")
        if first["got"] and r["execs"] != 0:
            self.fail(f"an answer with credentials was not cached ({r['execs']} runs): {case}")
        if not first["got"] and first["execs"] == 1 and r["execs"] != 1:
            self.fail(f"an empty answer was cached ({r['execs']} runs): {case}")

    def kubelet_errors(self, errors, what):
        for e in errors:
            self.fail(f"kubelet logged an error ({what}): {e}")


def files(a, t):
    groups = []
    for keys, image in generate(a.seed, a.configs, a.images):
        if groups and groups[-1][0] == keys:
            groups[-1][1].append(image)
        else:
            groups.append((keys, [image]))
    versions = ["credentialprovider.kubelet.k8s.io/v1", "credentialprovider.kubelet.k8s.io/v1beta1"]
    for n, (keys, images) in enumerate(groups):
        folder = os.path.join(a.tmp, f"files-{n}")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, "config.json")
        want = config_of(keys)
        with open(path, "w") as f:
            json.dump(want, f)
        version = versions[n % 2]
        k = Kubelet(a.provider, a.oracle, provider_config(a.kubelet_config, version,
                                                          ["--docker-config", path]), folder)
        firsts = []
        for image in images:
            r = k.ask(image, want)
            firsts.append(r)
            t.first(r, f"{version} keys={keys} image={image}", want)
        for image, first in zip(images, firsts):
            t.again(first, k.ask(image, want), f"{version} keys={keys} image={image}")
        t.kubelet_errors(k.close(), f"keys={keys}")

    # cacheDuration: an answer kept for 1s is reused, then asked for again.
    folder = os.path.join(a.tmp, "duration")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "config.json")
    want = config_of(["quay.io"])
    with open(path, "w") as f:
        json.dump(want, f)
    k = Kubelet(a.provider, a.oracle, provider_config(
        a.kubelet_config, versions[0], ["--docker-config", path, "--cache-duration", "1s"]), folder)
    runs = [k.ask("quay.io/team/app", want)["execs"], k.ask("quay.io/team/app", want)["execs"]]
    time.sleep(1.5)
    runs.append(k.ask("quay.io/team/app", want)["execs"])
    t.asked += 3
    if runs != [1, 0, 1]:
        t.fail(f"cacheDuration 1s: runs {runs}, not [1, 0, 1]")
    t.kubelet_errors(k.close(), "cacheDuration")


def token_configs(seed):
    """{namespace: keys}: two teams' configs and the node-wide one, from the seed."""
    rng = random.Random(seed)
    out = {ns: rng.sample(KEYS, rng.randint(3, 8)) for ns in NAMESPACES}
    out[NODE_WIDE[0]] = rng.sample(KEYS, rng.randint(3, 8))
    return out


def prefix(ns):
    return NAMESPACES.get(ns, NODE_WIDE[1])


def secrets(a):
    os.makedirs(a.dir, exist_ok=True)
    for ns, keys in token_configs(a.seed).items():
        cfg = json.dumps(config_of(keys, prefix(ns)), separators=(",", ":"))
        labels = {"regcred.io/sync": "true"} if ns == NODE_WIDE[0] else {}
        s = {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/dockerconfigjson",
             "metadata": {"namespace": ns, "name": "pull", "uid": "uid-" + ns, "labels": labels},
             "data": {".dockerconfigjson": base64.b64encode(cfg.encode()).decode()}}
        with open(os.path.join(a.dir, ns + ".json"), "w") as f:
            json.dump(s, f)


def tokens(a, t):
    configs = token_configs(a.seed)
    # kubelet takes tokenAttributes only with v1 (validateCredentialProviderConfig).
    for version in ["credentialprovider.kubelet.k8s.io/v1"]:
        folder = os.path.join(a.tmp, "tokens-" + version.rsplit("/", 1)[1])
        k = Kubelet(a.provider, a.oracle, provider_config(
            a.kubelet_config, version, ["--socket", a.socket, "--state-dir", a.state]), folder,
            a.signing_key)
        # Pods of both teams and static pods ask for the same images, interleaved: kubelet's
        # per-service-account cache must keep each namespace's answer to itself.
        pods = [("team-a", "web-0", "default"), ("team-b", "web-0", "default"),
                ("team-a", "job-1", "builder"), ("infra", "static-0", "")]
        asks = [(img, pod) for img in IMAGES for pod in pods]
        firsts = []
        for image, (ns, pod, sa) in asks:
            want = config_of(configs[ns if sa else NODE_WIDE[0]], prefix(ns if sa else NODE_WIDE[0]))
            r = k.ask(image, want, ns, pod, sa)
            firsts.append(r)
            t.first(r, f"{version} token mode, pod {ns}/{pod} sa={sa or '-'} image={image}", want)
        for (image, (ns, pod, sa)), first in zip(asks, firsts):
            want = config_of(configs[ns if sa else NODE_WIDE[0]], prefix(ns if sa else NODE_WIDE[0]))
            t.again(first, k.ask(image, want, ns, pod, sa),
                    f"{version} token mode, pod {ns}/{pod} sa={sa or '-'} image={image}")
        t.kubelet_errors(k.close(), "token mode " + version)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="mode", required=True)
    f = sub.add_parser("files")
    for name in ("provider", "oracle", "kubelet_config", "tmp"):
        f.add_argument(name)
    f.add_argument("--configs", type=int, default=60)
    f.add_argument("--images", type=int, default=10)
    s = sub.add_parser("secrets")
    s.add_argument("dir")
    k = sub.add_parser("tokens")
    for name in ("provider", "oracle", "kubelet_config", "tmp", "socket", "state"):
        k.add_argument(name)
    k.add_argument("--signing-key", default="",
                   help="the issuer's key the tokens are signed with (its JWKS goes to regcredd)")
    for p in (f, s, k):
        p.add_argument("--seed", type=int, default=20261204)
    a = ap.parse_args()
    if a.mode == "secrets":
        secrets(a)
        return 0
    t = Tally()
    files(a, t) if a.mode == "files" else tokens(a, t)
    print(f"# {t.asked} asks (seed {a.seed}), {t.outside} outside matchImages, {t.collapsed} "
          f"with several spellings of one key (one answered, on purpose), {t.bad} disagreements")
    print(f"{t.asked - t.bad} passed, {t.bad} failed")
    return 1 if t.bad else 0


if __name__ == "__main__":
    sys.exit(main())
