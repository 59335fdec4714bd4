#!/bin/sh
# Installs what regcred's build and tests need on Debian 12. Idempotent: when every package is
# already there it only asks dpkg and returns (well under a second).
set -eu

packages="
  build-essential cmake ninja-build pkg-config ccache clang-format clang lld libclang-rt-14-dev
  libboost1.81-dev libcurl4-openssl-dev nlohmann-json3-dev libsystemd-dev libyaml-cpp-dev
  libssl-dev zlib1g-dev libsimdjson-dev libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev
  docker-registry skopeo apache2-utils openssl python3 python3-cryptography curl podman containerd lintian man-db bash-completion
  debootstrap systemd-container
"
# The docker CLI drives the helper tests (login/logout with credsStore). Debian ships it only
# inside docker.io; a machine that already has a docker client keeps its own.
command -v docker >/dev/null 2>&1 || packages="$packages docker.io"

missing=""
for p in $packages; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  case "$status" in
    "install ok installed") ;;
    *) missing="$missing $p" ;;
  esac
done

[ -z "$missing" ] && exit 0

echo "build-deps: installing:$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "build-deps: need root (or sudo) to install:$missing" >&2
    exit 1
  fi
else
  SUDO=""
fi
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! $SUDO apt-get install -y -q --no-install-recommends $missing; then
  $SUDO apt-get update -q
  # shellcheck disable=SC2086
  $SUDO apt-get install -y -q --no-install-recommends $missing
fi
