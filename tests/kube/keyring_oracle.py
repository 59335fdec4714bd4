#!/usr/bin/python3
"""kubelet's keyring as the oracle for `regcredctl explain`'s kubelet matches.

keyring_oracle.py REGCREDCTL ORACLE [--seed N] [--configs N] [--images N]

Takes the generated cases of cases.py; asks kubelet's own code (ORACLE,
tests/kube/cmd/keyring-oracle) and regcredctl explain for each; prints one line per disagreement and exits 1 when there is any. Keys that
kubelet files under the same index entry come back in Go's map order, so each such group is
compared as a set; the order of the groups is compared as is."""
import json
import os
import sys
import tempfile

from cases import explain, parse_args


def main():
    a, cases, answers = parse_args(__doc__)

    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "config.json")
        for (keys, image), want in zip(cases, answers):
            r = explain(a.regcredctl, path, keys, image)
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
