#!/usr/bin/env bash
# Accepted values read back by their real consumers: the shipped binaries write them into a
# sandbox (generate.py), the test image's firewalld reader, fapolicyd-cli and fapolicyd daemon
# read them (check.py, in a privileged throwaway container: the daemon needs fanotify).
# Usage: tests/readback/run.sh IMAGE
source "$(dirname "$0")/../../scripts/env.sh"
IMAGE=$1
HERE=$REPO/tests/readback
WORK=$(mktemp -d /var/tmp/hardening-readback.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/sb/usr/share/crypto-policies" "$WORK/sb/etc/crypto-policies/policies/modules"
cp -a "$REPO/tests/fixtures/crypto-policies/policies" "$REPO/tests/fixtures/crypto-policies/default-config" \
  "$WORK/sb/usr/share/crypto-policies/"
mkdir -p "$WORK/sb/usr/bin"; cp "$REPO/molecule/image/rootfs/usr/bin/update-crypto-policies" "$WORK/sb/usr/bin/"
mkdir -p "$WORK/sb/proc/sys/kernel/random" "$WORK/sb/proc/sys/crypto"; echo boot-1 > "$WORK/sb/proc/sys/kernel/random/boot_id"; echo 0 > "$WORK/sb/proc/sys/crypto/fips_enabled"
HARDENING_RHEL_SANDBOX=$WORK/sb "$WORK/sb/usr/bin/update-crypto-policies" --set DEFAULT --no-reload >/dev/null
python3 "$HERE/generate.py" "$RELEASE_DIR" "$WORK/sb"
podman run --rm --privileged --network none -v "$WORK/sb:/sb:ro" -v "$HERE:/readback:ro" \
  --entrypoint /usr/bin/python3 "$IMAGE" /readback/check.py
