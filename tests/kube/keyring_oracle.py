#!/usr/bin/python3
"""kubelet's keyring as the oracle for `regcredctl explain`'s kubelet matches.

keyring_oracle.py REGCREDCTL ORACLE [--seed N] [--configs N] [--images N]

Takes the generated cases of cases.py; asks kubelet's own code (ORACLE,
tests/kube/cmd/keyring-oracle) and regcredctl explain for each; prints one line per disagreement and exits 1 when there is any. Keys that
kubelet files under the same index entry come back in Go's map order, so each such group is
compared as a set; the order of the groups is compared as is."""
import argparse
import json
import os
import subprocess
import sys
import tempfile

from cases import config_of, generate


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("regcredctl")
    ap.add_argument("oracle")
    ap.add_argument("--seed", type=int, default=20261204)
    ap.add_argument("--configs", type=int, default=100)
    ap.add_argument("--images", type=int, default=10)
    a = ap.parse_args()
    cases = generate(a.seed, a.configs, a.images)

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
