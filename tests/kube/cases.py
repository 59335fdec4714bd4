"""The generated cases every oracle test shares: docker configs whose keys come in every spelling
the consumers meet (schemes, /v1/ and /v2/ paths, ports, globs, Docker Hub's names, paths), and
images, seeded and reproducible, plus corner cases kept whatever the seed draws. Each key gets a
username of its own (u0, u1, ...), which names the key a consumer's credential came from."""
import argparse
import base64
import json
import random
import subprocess

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



def generate(seed, configs, images):
    """[(keys, image)]: the corner cases, then `configs` random configs of 2-10 keys, each with
    `images` images."""
    rng = random.Random(seed)
    cases = []
    for keys, imgs in CORNERS:
        cases += [(keys, img) for img in imgs]
    for _ in range(configs):
        keys = rng.sample(KEYS, rng.randint(2, 10))
        cases += [(keys, img) for img in rng.sample(IMAGES, images)]
    return cases


def parse_args(doc):
    """REGCREDCTL ORACLE [--seed N] [--configs N] [--images N], the cases they make, and the
    oracle's answer to each (it reads one case a line and answers one line each)."""
    ap = argparse.ArgumentParser(description=doc)
    ap.add_argument("regcredctl")
    ap.add_argument("oracle")
    ap.add_argument("--seed", type=int, default=20261204)
    ap.add_argument("--configs", type=int, default=100)
    ap.add_argument("--images", type=int, default=10)
    a = ap.parse_args()
    cases = generate(a.seed, a.configs, a.images)
    lines = "".join(json.dumps({"config": config_of(k), "image": i}) + "\n" for k, i in cases)
    got = subprocess.run([a.oracle], input=lines, capture_output=True, text=True, check=True)
    answers = [json.loads(line) for line in got.stdout.splitlines()]
    assert len(answers) == len(cases), (len(answers), len(cases))
    return a, cases, answers


def explain(regcredctl, path, keys, image):
    """regcredctl explain IMAGE over a config of `keys` written to `path`."""
    with open(path, "w") as f:
        json.dump(config_of(keys), f)
    return subprocess.run([regcredctl, "explain", image, "--docker-config", path, "-o", "json"],
                          capture_output=True, text=True)
