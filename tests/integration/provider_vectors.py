#!/usr/bin/python3
"""keyring-vectors.json `keyring` vectors against regcred-credential-provider --docker-config.

Each vector's keys go into a docker config (one distinct credential per key); the provider is
asked for the image; the answer must be decoded as kubelet decodes it (apiVersion echoed, known
fields only) and hold exactly the credentials of the expected keys, each under a pattern that
kubelet's matching (or its docker.io fallback) applies to the image.
usage: provider_vectors.py PROVIDER VECTORS TMPDIR
"""
import base64
import json
import subprocess
import sys

provider, vectors_file, tmp = sys.argv[1:4]
fails = checks = 0
API = "credentialprovider.kubelet.k8s.io/v1"

for n, v in enumerate(json.load(open(vectors_file))):
    if v["kind"] != "keyring":
        continue
    checks += 1
    creds = {k: (f"user{i}", f"pw{i}") for i, k in enumerate(v["keys"])}
    cfg = {"auths": {k: {"auth": base64.b64encode(f"{u}:{p}".encode()).decode()}
                     for k, (u, p) in creds.items()}}
    path = f"{tmp}/keyring-{n}.json"
    json.dump(cfg, open(path, "w"))
    req = json.dumps({"kind": "CredentialProviderRequest", "apiVersion": API, "image": v["image"]})
    p = subprocess.run([provider, "--docker-config", path], input=req.encode(), capture_output=True)
    problems = []
    if p.returncode != 0 or p.stderr:
        problems.append(f"exit {p.returncode} stderr {p.stderr!r}")
    else:
        resp = json.loads(p.stdout)
        if resp.get("apiVersion") != API or resp.get("kind") != "CredentialProviderResponse":
            problems.append("kind/apiVersion not echoed")
        if set(resp) - {"kind", "apiVersion", "cacheKeyType", "cacheDuration", "auth"}:
            problems.append(f"unknown fields {set(resp)}")
        got = sorted((a["username"], a["password"]) for a in resp["auth"].values())
        want = [] if v.get("expect_no_match") else sorted(creds[k] for k in v["expect_match"])
        if got != want:
            problems.append(f"credentials {got} != {want}")
    desc = f"keyring vector {n}: keys {v['keys']} image {v['image']!r}"
    if problems:
        fails += 1
        print(f"not ok - {desc}\n#   " + "; ".join(problems))
    else:
        print(f"ok - {desc}")
print(f"# {checks} keyring vectors, {fails} failed")
sys.exit(1 if fails or checks == 0 else 0)
