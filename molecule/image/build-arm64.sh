#!/usr/bin/env bash
# The arm64 test root for the arm64 scenario (molecule/arm64): a Debian bookworm arm64 root made
# from packages, with the same stand-ins and crypto-policies layout as the x86_64 test image
# (build.sh). Python-free: firewalld (a Python program) is not in it, and Python under emulation
# would add minutes to every build. Built once per recipe and kept as a tar file in the cache
# (the scenario imports it into a podman storage private to its user namespace: molecule/arm64/run.sh).
# debootstrap's first stage unpacks on the host; the second stage (the packages' maintainer
# scripts) runs arm64 programs under a static qemu-aarch64 through a binfmt_misc private to a user
# namespace (scripts/qemu-userns.py): nothing is installed or registered on the host.
# Prints the tar file's path on the last line of stdout.
source "$(dirname "$0")/../../scripts/env.sh"

PACKAGES=(
  systemd systemd-sysv libpam-systemd dbus netbase iproute2 procps
  fapolicyd gawk policycoreutils selinux-utils selinux-policy-default
)
HERE=$(cd "$(dirname "$0")" && pwd)
CRYPTO_FIXTURES=$REPO/tests/fixtures/crypto-policies

if [ "${1:-}" = --inside ]; then
  # In the user namespace, aarch64 programs run through qemu-aarch64 (binfmt_misc, F flag)
  R=$2
  env container=lxc /usr/sbin/chroot "$R" /debootstrap/debootstrap --second-stage >&2
  /usr/sbin/chroot "$R" apt-get clean
  rm -rf "$R"/var/lib/apt/lists/*
  : > "$R/etc/machine-id"
  cp -a "$HERE/rootfs/." "$R/"
  mkdir -p "$R/usr/share/crypto-policies" "$R/etc/crypto-policies/policies/modules" \
    "$R/etc/crypto-policies/local.d"
  cp -a "$CRYPTO_FIXTURES/policies" "$CRYPTO_FIXTURES/default-config" "$R/usr/share/crypto-policies/"
  /usr/sbin/chroot "$R" /usr/bin/update-crypto-policies --set DEFAULT --no-reload >&2
  rm -f "$R/var/log/update-crypto-policies.calls"
  if ls -d "$R"/usr/bin/python* "$R"/usr/lib/python3* >/dev/null 2>&1; then
    echo "build-arm64: Python found in the root (the scenario's host is Python-free)" >&2
    exit 1
  fi
  # the ELF machine of the root's own programs: aarch64 (0xb7), or the recipe went wrong
  [ "$(od -An -tx1 -j18 -N1 "$R/usr/lib/systemd/systemd" | tr -d ' ')" = b7 ]
  exit 0
fi

recipe() {
  cat "$HERE/build-arm64.sh"
  for d in "$HERE/rootfs" "$CRYPTO_FIXTURES"; do
    (cd "$d" && find . \( -type f -o -type l \) | LC_ALL=C sort | while read -r f; do echo "$f"; cat "$f"; done)
  done
}
TAG=$(recipe | sha256sum | cut -c1-12)
TAR=$CACHE/arm64-rootfs-$TAG.tar
if [ -f "$TAR" ]; then
  echo "$TAR"
  exit 0
fi

QEMU=$(host_qemu)
ROOTFS=$(mktemp -d /var/tmp/hardening-arm64-rootfs.XXXXXX)
trap 'rm -rf "$ROOTFS" "$TAR.tmp"' EXIT
t0=$(date +%s)
log "debootstrap --foreign arm64 bookworm (${#PACKAGES[@]} packages) into $ROOTFS" >&2
debootstrap --foreign --arch=arm64 --variant=minbase --include="$(IFS=,; echo "${PACKAGES[*]}")" \
  bookworm "$ROOTFS" "$(apt_mirror bookworm)" >&2
t1=$(date +%s)
log "second stage under qemu-aarch64 ($((t1 - t0)) s so far)" >&2
HARDENING_QEMU_AARCH64=$QEMU python3 "$REPO/scripts/qemu-userns.py" bash "$HERE/build-arm64.sh" --inside "$ROOTFS"
t2=$(date +%s)
tar -C "$ROOTFS" -c . > "$TAR.tmp"
mv "$TAR.tmp" "$TAR"
log "arm64 root $TAR: first stage $((t1 - t0)) s, second stage $((t2 - t1)) s, $(du -m "$TAR" | cut -f1) MB" >&2
echo "$TAR"
