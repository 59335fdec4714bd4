#!/usr/bin/python3
"""A docker-registry token server (distribution's token auth), for the pull-test classes.

token_server.py --port-file F --cert C --key K --signing-out PREFIX --users USERS.json
USERS.json: {"alice": {"password": "...", "access": {"regcred/tiny": ["pull", "push"]}}}
GET /token?service=S&scope=repository:NAME:ACTIONS with Basic auth -> {"token", "access_token"}:
an RS256 JWT with an x5c header whose certificate (PREFIX.crt, self-signed) is the registry's
rootcertbundle. Wrong password -> 401; no Authorization -> a token that grants what the user ""
has in USERS.json (nothing when there is none): {"": {"access": {"library/tiny": ["pull"]}}}
makes a repository public, as Docker Hub's are.
POST /token (OAuth2 password grant) works the same. POST /_mode {"get": false} makes GET /token
answer 404, as OAuth2-only token servers do. Requests are logged to stderr.
"""
import argparse
import base64
import datetime
import json
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlparse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from tls_serve import serve_tls

ap = argparse.ArgumentParser()
ap.add_argument("--port-file", required=True)
ap.add_argument("--cert", required=True)
ap.add_argument("--key", required=True)
ap.add_argument("--signing-out", required=True)
ap.add_argument("--users", required=True)
ap.add_argument("--issuer", default="regcred-test-issuer")
a = ap.parse_args()
users = json.load(open(a.users))
MODE = {"get": True}

key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "regcred-test-token-signer")])
now = datetime.datetime.now(datetime.timezone.utc)
cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .sign(key, hashes.SHA256()))
open(a.signing_out + ".crt", "wb").write(cert.public_bytes(serialization.Encoding.PEM))
x5c = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def b64url(b):
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


def jwt(sub, service, access):
    header = {"typ": "JWT", "alg": "RS256", "x5c": [x5c]}
    t = int(time.time())
    claims = {"iss": a.issuer, "sub": sub, "aud": service, "exp": t + 300, "nbf": t - 10,
              "iat": t, "jti": str(uuid.uuid4()), "access": access}
    signing_input = (b64url(json.dumps(header).encode()) + "." +
                     b64url(json.dumps(claims).encode())).encode()
    sig = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    return signing_input.decode() + "." + b64url(sig)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("token_server: " + (fmt % args) + "\n")

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def issue(self, user, password, service, scopes):
        if user is not None:
            u = users.get(user)
            if u is None or u["password"] != password:
                return self.answer(401, {"errors": [{"code": "UNAUTHORIZED", "message": "bad credentials"}]})
        access = []
        for scope in scopes:
            parts = scope.split(":")
            if len(parts) != 3 or parts[0] != "repository":
                continue
            allowed = users.get(user or "", {}).get("access", {}).get(parts[1], [])
            granted = [x for x in parts[2].split(",") if x in allowed]
            access.append({"type": "repository", "name": parts[1], "actions": granted})
        tok = jwt(user or "", service, access)
        self.answer(200, {"token": tok, "access_token": tok, "expires_in": 300})

    def basic(self):
        h = self.headers.get("Authorization", "")
        if not h.startswith("Basic "):
            return None, None
        user, _, pw = base64.b64decode(h[6:]).decode().partition(":")
        return user, pw

    def do_GET(self):
        u = urlparse(self.path)
        if u.path != "/token" or not MODE["get"]:
            return self.answer(404, {})
        q = parse_qs(u.query)
        user, pw = self.basic()
        self.issue(user, pw, q.get("service", [""])[0], q.get("scope", []))

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(n).decode()
        if self.path == "/_mode":
            MODE.update(json.loads(raw))
            return self.answer(200, MODE)
        q = parse_qs(raw)
        if q.get("grant_type", [""])[0] != "password":
            return self.answer(400, {"error": "unsupported_grant_type"})
        self.issue(q.get("username", [""])[0], q.get("password", [""])[0],
                   q.get("service", [""])[0], q.get("scope", []))


serve_tls(Handler, a.cert, a.key, a.port_file)
