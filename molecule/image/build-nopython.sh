#!/usr/bin/env bash
# The Python-free test image: the test image (argument 1) with every Python package purged —
# python3, its libraries, and what needs them (firewalld, which is a Python program; on RHEL too
# a host without Python has no firewalld). Made offline with dpkg/apt's purge, then committed.
# Prints the image name; reused while the base image is the same.
source "$(dirname "$0")/../../scripts/env.sh"
BASE=${1:?usage: build-nopython.sh <base image>}
IMAGE=localhost/hardening-rhel-test-nopython:${BASE##*:}
if podman image exists "$IMAGE"; then
  echo "$IMAGE"
  exit 0
fi
NAME=hardening-nopython-build-$$
trap 'podman rm -f "$NAME" >/dev/null 2>&1 || true' EXIT
podman run --name "$NAME" "$BASE" /bin/sh -c '
  set -e
  export DEBIAN_FRONTEND=noninteractive
  apt-get purge -y --allow-remove-essential "python3*" "libpython3*" >/dev/null
  apt-get autoremove -y --purge >/dev/null
  if ls /usr/bin/python* /usr/lib/python3* >/dev/null 2>&1; then echo "python left" >&2; exit 1; fi
' >&2
podman commit --quiet --change 'CMD ["/sbin/init"]' "$NAME" "$IMAGE" >/dev/null
echo "$IMAGE"
