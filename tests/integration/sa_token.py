"""Service account tokens as kube-apiserver signs them, for the tests: keys made here, their
JSON Web Key Set, and tokens signed with them (RS256, ES256), or forged (unsigned, another
key, another audience, no expiry).

  sa_token.py keys DIR                 RSA and P-256 keys in DIR, their JWKS in DIR/jwks.json,
                                       and an attacker's RSA key under the same kid
  sa_token.py token DIR NS SA [--alg RS256|ES256|none] [--key cluster|attacker]
                     [--aud A] [--exp UNIX|none] [--sub-ns NS]
  sa_token.py swap TOKEN NS            TOKEN with its payload's namespace changed to NS, the
                                       header and signature kept (a forgery)
"""

import argparse
import base64
import json
import os
import sys
import time

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def num(n, size=None):
    return b64(n.to_bytes(size or (n.bit_length() + 7) // 8, "big"))


def save(key, path):
    with open(path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    os.chmod(path, 0o600)


def load(path):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), None)


def keys(d):
    os.makedirs(d, exist_ok=True)
    r = rsa.generate_private_key(65537, 2048)
    e = ec.generate_private_key(ec.SECP256R1())
    save(r, f"{d}/rsa.pem")
    save(e, f"{d}/ec.pem")
    save(rsa.generate_private_key(65537, 2048), f"{d}/attacker.pem")
    rn, en = r.public_key().public_numbers(), e.public_key().public_numbers()
    jwks = {"keys": [
        {"use": "sig", "kty": "RSA", "kid": "rsa-1", "alg": "RS256", "n": num(rn.n), "e": num(rn.e)},
        {"use": "sig", "kty": "EC", "kid": "ec-1", "alg": "ES256", "crv": "P-256",
         "x": num(en.x, 32), "y": num(en.y, 32)}]}
    with open(f"{d}/jwks.json", "w") as f:
        json.dump(jwks, f)


def token(a):
    now = int(time.time())
    claims = {"aud": [a.aud], "iat": now, "nbf": now,
              "iss": "https://kubernetes.default.svc.cluster.local",
              "sub": f"system:serviceaccount:{a.sub_ns or a.ns}:{a.sa}",
              "kubernetes.io": {"namespace": a.ns, "pod": {"name": "web-0", "uid": "p-1"},
                                "serviceaccount": {"name": a.sa, "uid": "sa-1"}}}
    if a.exp != "none":
        claims["exp"] = int(a.exp) if a.exp else now + 3600
    kid = {"RS256": "rsa-1", "ES256": "ec-1"}.get(a.alg, "")
    head = b64(json.dumps({"alg": a.alg, "kid": kid}).encode())
    signing_input = head + "." + b64(json.dumps(claims).encode())
    if a.alg == "none":
        return signing_input + "."
    data = signing_input.encode()
    if a.alg == "ES256":
        r, s = decode_dss_signature(load(f"{a.dir}/ec.pem").sign(data, ec.ECDSA(hashes.SHA256())))
        sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    else:
        key = load(f"{a.dir}/{'attacker' if a.key == 'attacker' else 'rsa'}.pem")
        sig = key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return signing_input + "." + b64(sig)


def swap(token, ns):
    h, p, s = token.split(".")
    c = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
    old = c["kubernetes.io"]["namespace"]
    c["kubernetes.io"]["namespace"] = ns
    c["sub"] = c["sub"].replace(f":{old}:", f":{ns}:")
    return h + "." + b64(json.dumps(c).encode()) + "." + s


def main(argv):
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    k = sub.add_parser("keys")
    k.add_argument("dir")
    t = sub.add_parser("token")
    t.add_argument("dir")
    t.add_argument("ns")
    t.add_argument("sa")
    t.add_argument("--alg", default="RS256", choices=["RS256", "ES256", "none"])
    t.add_argument("--key", default="cluster", choices=["cluster", "attacker"])
    t.add_argument("--aud", default="regcred.io")
    t.add_argument("--exp", default="")
    t.add_argument("--sub-ns", default="")
    w = sub.add_parser("swap")
    w.add_argument("token")
    w.add_argument("ns")
    a = p.parse_args(argv)
    if a.cmd == "keys":
        keys(a.dir)
    elif a.cmd == "swap":
        print(swap(a.token, a.ns))
    else:
        print(token(a))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
