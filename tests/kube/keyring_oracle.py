#!/usr/bin/python3
"""kubelet's keyring as the oracle for `regcredctl explain`'s kubelet matches.

keyring_oracle.py REGCREDCTL ORACLE [--seed N] [--configs N] [--images N]

Generates docker configs (keys in every spelling kubelet meets: schemes, /v1/ and /v2/ paths,
ports, globs, Docker Hub's names, paths) and images, seeded and reproducible, plus the corner
cases below; asks kubelet's own code (ORACLE, tests/kube/cmd/keyring-oracle) and regcredctl
explain for each; prints one line per disagreement and exits 1 when there is any. Keys that
kubelet files under the same index entry come back in Go's map order, so each such group is
compared as a set; the order of the groups is compared as is."""
import argparse
import base64
import json
import os
import random
import subprocess
import sys
import tempfile

KEYS = [
    "docker.io", "index.docker.io", "registry-1.docker.io", "https://index.docker.io/v1/",
    "https://index.docker.io/v2/", "http://docker.io", "quay.io", "quay.io/team",
    "quay.io/team/app", "https://quay.io", "http://quay.io/v2/team", "quay.io/", "*.example.com",
    "*.*.example.com", "a.example.com", "*.b.example.com", "reg.example.com:5000",
    "reg.example.com", "https://reg.example.com:5000/v2/", "localhost:5000", "localhost",
    "127.0.0.1:5000", "gcr.io/project", "us.gcr.io", "*.gcr.io", "example.com/a/b",
    "*.example.com/team", "REG.Example.com", "a.example.com:443", "[::1]:5000",
    "https://a.example.com/v1/team", "b.example.com/team/app",
]
IMAGES = [
    "busybox", "library/busybox", "team/app", "docker.io/team/app:1",
    "index.docker.io/library/nginx", "registry-1.docker.io/library/x", "quay.io/team/app:v1",
    "quay.io/team/app/sub", "quay.io/other/app", "quay.io/teamx/app", "a.example.com/x",
    "x.a.example.com/y", "x.b.example.com/team/app", "b.example.com/team/app@sha256:" + "a" * 64,
    "reg.example.com:5000/y/z", "reg.example.com/y", "localhost:5000/x", "localhost/x",
    "127.0.0.1:5000/x", "us.gcr.io/project/app", "gcr.io/project/app", "gcr.io/other/app",
    "example.com/a/b/c", "example.com/a/bc", "a.example.com:443/x", "[::1]:5000/x",
    "a.example.com/team/app", "reg.example.com:5000/team/app:latest",
]
# Cases worth keeping whatever the seed draws.
CORNERS = [
    (["https://index.docker.io/v1/"], ["busybox", "docker.io/library/busybox", "index.docker.io/x/y"]),
    (["docker.io"], ["busybox", "library/busybox"]),
    (["index.docker.io"], ["busybox", "team/app"]),
    (["quay.io/team", "quay.io", "quay.io/team/app"], ["quay.io/team/app", "quay.io/team/other"]),
    (["*.example.com", "a.example.com", "*.*.example.com"], ["a.example.com/x", "x.a.example.com/y"]),
    (["reg.example.com:5000", "reg.example.com"], ["reg.example.com:5000/x", "reg.example.com/x"]),
    (["quay.io", "https://quay.io", "http://quay.io/v2/"], ["quay.io/x/y"]),
]


def config_of(keys):
    auths = {}
    for i, k in enumerate(keys):
        auths[k] = {"auth": base64.b64encode(f"u{i}:pw".encode()).decode()}
    return {"auths": auths}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("regcredctl")
    ap.add_argument("oracle")
    ap.add_argument("--seed", type=int, default=20261204)
    ap.add_argument("--configs", type=int, default=100)
    ap.add_argument("--images", type=int, default=10)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    cases = []  # (keys, image)
    for keys, images in CORNERS:
        cases += [(keys, img) for img in images]
    for _ in range(a.configs):
        keys = rng.sample(KEYS, rng.randint(2, 10))
        cases += [(keys, img) for img in rng.sample(IMAGES, a.images)]

    oracle_in = "".join(json.dumps({"config": config_of(k), "image": i}) + "\n" for k, i in cases)
    got = subprocess.run([a.oracle], input=oracle_in, capture_output=True, text=True, check=True)
    answers = [json.loads(line) for line in got.stdout.splitlines()]
    assert len(answers) == len(cases), (len(answers), len(cases))

    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "config.json")
        for (keys, image), want in zip(cases, answers):
            with open(path, "w") as f:
                json.dump(config_of(keys), f)
            r = subprocess.run([a.regcredctl, "explain", image, "--docker-config", path, "-o", "json"],
                               capture_output=True, text=True)
            case = f"keys={keys} image={image}"
            if want.get("error"):
                if r.returncode == 0:
                    bad += 1
                    print(f"not ok - kubelet refuses the image ({want['error']}), explain answers: {case}")
                continue
            if r.returncode != 0:
                bad += 1
                print(f"not ok - explain failed ({r.stdout.strip()} {r.stderr.strip()}): {case}")
                continue
            mine = json.loads(r.stdout)["kubelet"]["matches"]
            theirs = want["matches"]
            same = len(mine) == len(theirs)
            at = 0
            while same and at < len(theirs):
                end = at
                while end < len(theirs) and theirs[end]["index"] == theirs[at]["index"]:
                    end += 1
                same = sorted(m["key"] for m in theirs[at:end]) == sorted(mine[at:end])
                at = end
            if not same:
                bad += 1
                print(f"not ok - kubelet {[m['key'] for m in theirs]} regcred {mine}: {case}")
    print(f"# {len(cases)} cases (seed {a.seed}), {bad} disagreements")
    print(f"{len(cases) - bad} passed, {bad} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
