#!/bin/sh
# make kube: the pinned real control plane for the tests, built from this module (go.mod pins
# k8s.io/kubernetes and go.etcd.io/etcd; go.sum holds their hashes): kube-apiserver, etcd and
# kubectl into OUT/bin. Go's module and build caches make a second build fast; a build whose
# pinned versions are already in OUT does nothing.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "${1:?usage: build.sh OUT}"
out=$(cd "$1" && pwd)
# Go's own install folder when the environment's PATH does not name it (a CI shell, sudo).
command -v go >/dev/null || PATH=$PATH:/usr/local/go/bin
command -v go >/dev/null || { echo "make kube: Go is not installed (go 1.24 or later)" >&2; exit 1; }

k8s=$(awk '$1 == "k8s.io/kubernetes" {print $2}' "$here/go.mod")
etcd=$(awk '$1 == "go.etcd.io/etcd/server/v3" {print $2}' "$here/go.mod")
stamp="$out/versions"
want="kubernetes $k8s etcd $etcd $(cat "$here/go.sum" "$here"/cmd/*/main.go "$here"/internal/*/*.go "$here/clients/go.sum" \
  "$here"/clients/cmd/*/main.go | sha256sum | cut -c1-16)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] &&
  [ -x "$out/bin/kube-apiserver" ] && [ -x "$out/bin/etcd" ] && [ -x "$out/bin/kubectl" ] &&
  [ -x "$out/bin/keyring-oracle" ] && [ -x "$out/bin/helper-oracle" ] &&
  [ -x "$out/bin/provider-oracle" ] && [ -x "$out/bin/fleet" ] &&
  [ -x "$out/bin/config-oracle" ]; then
  exit 0
fi

minor=$(echo "$k8s" | cut -d. -f2)
# What --version prints, as the release build stamps it.
v=k8s.io/component-base/version
ldflags="-s -w -X $v.gitVersion=$k8s -X $v.gitMajor=1 -X $v.gitMinor=$minor -X $v.gitTreeState=clean"
mkdir -p "$out/bin"
echo "make kube: kube-apiserver and kubectl $k8s, etcd $etcd, the oracles (cached after the first build)" >&2
cd "$here"
GOFLAGS=-mod=readonly go build -ldflags "$ldflags" -o "$out/bin/" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl ./cmd/...
# The docker CLI's and containers/image's config code, in a module of their own so that their
# dependencies do not move the control plane's (containers_image_openpgp: no gpgme to link).
cd "$here/clients"
GOFLAGS=-mod=readonly go build -tags containers_image_openpgp -o "$out/bin/" ./cmd/...
echo "$want" >"$stamp"
