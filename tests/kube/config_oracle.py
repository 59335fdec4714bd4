#!/usr/bin/python3
"""The docker CLI's and containers/image's own code as the oracle for `regcredctl explain`'s
docker and containers keys.

config_oracle.py REGCREDCTL ORACLE [--seed N] [--configs N] [--images N]

Takes the generated cases of cases.py; asks ORACLE (tests/kube/clients/cmd/config-oracle) and
regcredctl explain for each. Where a consumer ranges over a Go map and either of two keys may
come back, the oracle lists every key it saw and explain's must be one of them. Prints one line
per disagreement and exits 1 when there is any."""
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
            if r.returncode != 0:
                if not (want.get("dockerError") and want.get("containersError")):
                    bad += 1
                    print(f"not ok - explain failed where the consumers answered: {case}")
                continue
            mine = json.loads(r.stdout)
            for consumer in ("docker", "containers"):
                theirs = want[consumer]
                key = mine[consumer]["key"]
                if want.get(consumer + "Error"):
                    ok = key is None
                elif not theirs:
                    ok = key is None
                else:
                    ok = key in theirs
                if not ok:
                    bad += 1
                    print(f"not ok - {consumer}: theirs {theirs} regcred {key!r}: {case}")
    print(f"# {len(cases)} cases (seed {a.seed}), 2 consumers each, {bad} disagreements")
    print(f"{2 * len(cases) - bad} passed, {bad} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
