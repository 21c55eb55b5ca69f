#!/usr/bin/env bash
# Builds the Debian test image for the Molecule scenarios once, and reuses it: the tag is a hash
# of this recipe (and of the stand-ins it installs), so a change to either builds a new image.
# No registry is reachable here, so the image is made from Debian packages with debootstrap and
# imported into podman (recipe and host quirks: shared/reference/container-lab.md).
# SUITE: the Debian suite, standing in for a RHEL generation by the daemons it ships (README
# "Verified where"): bullseye (firewalld 0.9, as RHEL 8; no fapolicyd package), bookworm (the
# default: firewalld 1.3, fapolicyd 1.1, as RHEL 9), trixie (firewalld 2.x, fapolicyd 1.3, as RHEL
# 10). Each suite's image is cached by its own hash.
# Prints the image reference on the last line of stdout.
# Usage: molecule/image/build.sh [SUITE]
source "$(dirname "$0")/../../scripts/env.sh"

SUITE=${1:-bookworm}
NAME=localhost/hardening-rhel-test
PACKAGES=(
  systemd systemd-sysv libpam-systemd dbus python3 netbase iproute2 procps
  # gawk: fagenrules's `^\\s*#` is a gawk regex, as RHEL's awk is (mawk keeps indented comments)
  firewalld nftables gawk
  policycoreutils selinux-utils selinux-policy-default selinux-policy-mls
  # the lockout scenario: Ansible over a real SSH connection into the container
  openssh-server sudo
)
case $SUITE in
  # no fapolicyd in bullseye; firewalld 0.9 probes ipset support with the ipset tool even on the
  # nftables back end ("ipset not usable" without it), and RHEL 8's firewalld requires ipset
  bullseye) PACKAGES+=(ipset) ;;
  bookworm|trixie) PACKAGES+=(fapolicyd) ;;
  *) echo "molecule/image/build.sh: no test image recipe for the suite '$SUITE' (bullseye, bookworm, trixie)" >&2; exit 2 ;;
esac
HERE=$(cd "$(dirname "$0")" && pwd)
CRYPTO_FIXTURES=$REPO/tests/fixtures/crypto-policies
recipe() {
  echo "$SUITE"
  cat "$HERE/build.sh"
  for d in "$HERE/rootfs" "$CRYPTO_FIXTURES"; do
    (cd "$d" && find . \( -type f -o -type l \) | LC_ALL=C sort | while read -r f; do echo "$f"; cat "$f"; done)
  done
}
TAG=$(recipe | sha256sum | cut -c1-12)
IMAGE=$NAME:$SUITE-$TAG

if podman image exists "$IMAGE"; then
  echo "$IMAGE"
  exit 0
fi

ROOTFS=$(mktemp -d /var/tmp/hardening-rootfs.XXXXXX)
trap 'rm -rf "$ROOTFS"' EXIT
log "debootstrap $SUITE (${#PACKAGES[@]} packages) into $ROOTFS" >&2
# libpam-systemd and netbase explicitly: debootstrap does not resolve virtual packages
# (polkitd needs logind), and without /etc/protocols firewalld dies with INVALID_PROTOCOL: esp.
debootstrap --variant=minbase --include="$(IFS=,; echo "${PACKAGES[*]}")" \
  "$SUITE" "$ROOTFS" "$(apt_mirror bookworm)" >&2   # the machine's Debian mirror serves every suite
chroot "$ROOTFS" apt-get clean
rm -rf "$ROOTFS"/var/lib/apt/lists/*
: > "$ROOTFS/etc/machine-id"
# Files of the test image itself: stand-ins for RHEL-only tools, each saying so in its header.
cp -a "$HERE/rootfs/." "$ROOTFS/"
# A RHEL-like crypto-policies layout: the real policy definitions, initialised to DEFAULT by the
# stand-in update-crypto-policies (as the crypto-policies package's %post does).
mkdir -p "$ROOTFS/usr/share/crypto-policies" "$ROOTFS/etc/crypto-policies/policies/modules" \
  "$ROOTFS/etc/crypto-policies/local.d"
cp -a "$CRYPTO_FIXTURES/policies" "$CRYPTO_FIXTURES/default-config" "$ROOTFS/usr/share/crypto-policies/"
chroot "$ROOTFS" /usr/bin/update-crypto-policies --set DEFAULT --no-reload >&2
# fapolicyd's rules as RHEL's package lays them out, where Debian's package has no rules.d
# (trixie's 1.3.4; bookworm's 1.1.7 ships rules.d/90-deny-execute.rules, kept as it is):
# RHEL's fapolicyd.spec makes default-ruleset.known-libs from sample-rules/README-rules (the
# files between "known-libs" and "restrictive") and its %post copies them into an empty
# rules.d, group fapolicyd, then runs fagenrules.
if [ -d "$ROOTFS/usr/share/fapolicyd/sample-rules" ] && [ ! -d "$ROOTFS/etc/fapolicyd/rules.d" ]; then
  sed -n '/known-libs/,/restrictive/p' "$ROOTFS/usr/share/fapolicyd/sample-rules/README-rules" |
    grep '^[0-9]' > "$ROOTFS/usr/share/fapolicyd/default-ruleset.known-libs"
  install -d -m 0755 "$ROOTFS/etc/fapolicyd/rules.d"
  while read -r f; do
    install -m 0644 "$ROOTFS/usr/share/fapolicyd/sample-rules/$f" "$ROOTFS/etc/fapolicyd/rules.d/$f"
  done < "$ROOTFS/usr/share/fapolicyd/default-ruleset.known-libs"
  chroot "$ROOTFS" sh -c 'chgrp fapolicyd /etc/fapolicyd/rules.d/* && fagenrules' >&2
fi
# and its trust back ends as RHEL's default (`trust = rpmdb,file`): Debian's 1.3.4 says `trust =
# debdb` alone, which leaves trust.d unread; the dpkg database stands in for rpmdb
if grep -qx 'trust = debdb' "$ROOTFS/etc/fapolicyd/fapolicyd.conf" 2>/dev/null; then
  sed -i 's/^trust = debdb$/trust = debdb,file/' "$ROOTFS/etc/fapolicyd/fapolicyd.conf"
fi
rm -f "$ROOTFS/var/log/update-crypto-policies.calls"
tar -C "$ROOTFS" -c . | podman import --change 'CMD ["/sbin/init"]' - "$IMAGE" >&2
echo "$IMAGE"
