#!/usr/bin/python3
"""A registry stand-in for the answers docker-registry cannot be made to give (TLS, test PKI).

registry_standin.py --port-file F --cert C --key K [--basic USER:PASSWORD]
GET /v2/ -> 200 (with --basic: 401 and a Basic challenge unless the request carries that user
and password, as htpasswd). Manifests and blobs by repository:
  limited/*   -> 429 TOOMANYREQUESTS with Retry-After: 7 (as Docker Hub, with ratelimit-*)
  denied/*    -> 403 DENIED (as an expired ECR token)
  broken/*    -> 500
  nohead/app  -> HEAD of the manifest refused (405), GET serves an OCI manifest, the config
                 blob exists: a registry that only answers GET
  private/*   -> (--basic) 401 and the challenge even with the right credential: a user the
                 registry knows who may not read this repository (as Harbor, Nexus, Artifactory)
  redirect/*  -> (--redirect URL) 307 to URL (blobs and manifests may redirect to storage)
With --bearer-realm URL every request gets 401 and a Bearer challenge naming that realm: a
hostile registry sending the pull test's credential elsewhere.
"""
import argparse
import base64
import json
import sys
from http.server import BaseHTTPRequestHandler

from tls_serve import serve_tls

ap = argparse.ArgumentParser()
ap.add_argument("--port-file", required=True)
ap.add_argument("--cert", required=True)
ap.add_argument("--key", required=True)
ap.add_argument("--basic", help="USER:PASSWORD the registry requires (Basic)")
ap.add_argument("--bearer-realm", help="the realm of a Bearer challenge to every request")
ap.add_argument("--redirect", help="where redirect/* sends the client")
a = ap.parse_args()
MANIFEST = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                       "digest": "sha256:" + "c" * 64, "size": 2},
            "layers": []}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("registry_standin: " + (fmt % args) + "\n")

    def answer(self, status, body, headers=()):
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Docker-Distribution-API-Version", "registry/2.0")
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def challenge(self):
        return self.answer(401, {"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]},
                           [("WWW-Authenticate", 'Basic realm="standin"')])

    def do_GET(self):
        p = self.path
        if a.bearer_realm:
            return self.answer(401, {"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]},
                               [("WWW-Authenticate", f'Bearer realm="{a.bearer_realm}",service="standin"')])
        if a.redirect and p.startswith("/v2/redirect/"):
            return self.answer(307, None, [("Location", a.redirect)])
        if a.basic:
            given = self.headers.get("Authorization", "")
            if given != "Basic " + base64.b64encode(a.basic.encode()).decode():
                return self.challenge()
            if p.startswith("/v2/private/"):
                return self.challenge()
        if p == "/v2/":
            return self.answer(200, {})
        if p.startswith("/v2/nohead/app/manifests/"):
            if self.command == "HEAD":
                return self.answer(405, {"errors": [{"code": "UNSUPPORTED", "message": "HEAD not allowed"}]})
            body = json.dumps(MANIFEST).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if p == "/v2/nohead/app/blobs/" + MANIFEST["config"]["digest"]:
            return self.answer(200, None)
        if p.startswith("/v2/limited/"):
            return self.answer(429, {"errors": [{"code": "TOOMANYREQUESTS", "message": "You have reached your pull rate limit."}]},
                               [("Retry-After", "7"), ("ratelimit-limit", "100;w=21600"), ("ratelimit-remaining", "0;w=21600")])
        if p.startswith("/v2/denied/"):
            return self.answer(403, {"errors": [{"code": "DENIED", "message": "Your authorization token has expired. Reauthenticate and try again."}]})
        if p.startswith("/v2/broken/"):
            return self.answer(500, {"errors": [{"code": "UNKNOWN", "message": "internal error"}]})
        return self.answer(404, {"errors": [{"code": "NAME_UNKNOWN", "message": "repository name not known"}]})

    do_HEAD = do_GET


serve_tls(Handler, a.cert, a.key, a.port_file)
