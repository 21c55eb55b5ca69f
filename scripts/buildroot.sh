#!/usr/bin/env bash
# The release build root: Debian trixie's own Rust (rustc/cargo 1.85, rust-src, the arm64 std),
# zig from PyPI and cargo-zigbuild built with that Rust, as a podman image. Nothing of the host's
# toolchain (rustup) goes into a release binary. Built once and reused: the tag is a hash of
# this recipe, so a change to it builds a new image. Prints the image reference on the last line.
# Mirrors: Debian's from this machine's APT configuration, PyPI and the crate registry as this
# machine's pip and cargo reach them (its CA bundle is passed in at run time, not baked in).
source "$(dirname "$0")/env.sh"

NAME=localhost/hardening-rhel-buildroot
SUITE=trixie
# the Debian toolchain this build root pins (a trixie point release that changes it changes this)
RUST_DEB=1.85.1+dfsg1-1+deb13u1
# cargo-zigbuild: 0.22 and later declare rust-version 1.88; 0.21.8 is the newest that declares 1.85
BUILDROOT_ZIGBUILD=${BUILDROOT_ZIGBUILD:-0.21.8}
ZIG=$(sed -n 's/^ziglang==//p' "$REPO/scripts/requirements.txt")
TAG=$( (cat "$0"; echo "$ZIG") | sha256sum | cut -c1-12)
IMAGE=$NAME:$TAG

if podman image exists "$IMAGE"; then
  echo "$IMAGE"
  exit 0
fi

mirror=$(apt_mirror bookworm)
ROOTFS=$(mktemp -d /var/tmp/hardening-buildroot.XXXXXX)
CTX=$(mktemp -d /var/tmp/hardening-buildroot-ctx.XXXXXX)
trap 'rm -rf "$ROOTFS" "$CTX"' EXIT
log "debootstrap $SUITE (minbase) into $ROOTFS" >&2
debootstrap --variant=minbase --include=ca-certificates \
  --keyring /usr/share/keyrings/debian-archive-keyring.gpg "$SUITE" "$ROOTFS" "$mirror" >&2
base=$NAME-base:$TAG
tar -C "$ROOTFS" -c . | podman import - "$base" >&2

cat > "$CTX/Containerfile" <<EOF
FROM $base
RUN printf 'Types: deb\nURIs: %s\nSuites: $SUITE $SUITE-updates\nComponents: main\nArchitectures: amd64 arm64\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' '$mirror' \\
      > /etc/apt/sources.list.d/debian.sources \\
 && rm -f /etc/apt/sources.list \\
 && dpkg --add-architecture arm64 \\
 && apt-get update \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \\
      rustc=$RUST_DEB cargo=$RUST_DEB rust-src=$RUST_DEB libstd-rust-dev:arm64=$RUST_DEB \\
      rustfmt=$RUST_DEB rust-clippy=$RUST_DEB \\
      libc6-dev python3 python3-venv binutils binutils-aarch64-linux-gnu qemu-user file strace \\
 && apt-get clean && rm -rf /var/lib/apt/lists/*
# zig (the linker for glibc 2.28 targets) and cargo-zigbuild, built by trixie's cargo
# (pip reads this machine's pip configuration, mounted as its /etc/pip.conf, for its index)
RUN --mount=type=bind,source=host-ca.crt,target=/host-ca.crt \\
    --mount=type=bind,source=pip.conf,target=/etc/pip.conf \\
    python3 -m venv /opt/zig \\
 && PIP_CERT=/host-ca.crt /opt/zig/bin/pip install --no-cache-dir ziglang==$ZIG \\
 && SSL_CERT_FILE=/host-ca.crt CARGO_HTTP_CAINFO=/host-ca.crt CARGO_HOME=/tmp/cargo \\
      cargo install --locked --root /usr/local cargo-zigbuild@$BUILDROOT_ZIGBUILD \\
 && rm -rf /tmp/cargo
ENV PATH=/opt/zig/bin:/usr/local/bin:/usr/bin:/bin
EOF
cp /etc/ssl/certs/ca-certificates.crt "$CTX/host-ca.crt"
# the machine's pip configuration (index, proxy) for the zig install; an empty one if it has none
if [ -f /etc/pip.conf ]; then cp /etc/pip.conf "$CTX/pip.conf"; else : > "$CTX/pip.conf"; fi
log "build root image $IMAGE (trixie rustc $RUST_DEB, zig $ZIG, cargo-zigbuild $BUILDROOT_ZIGBUILD)" >&2
podman build -q -t "$IMAGE" "$CTX" >&2
podman rmi "$base" >/dev/null 2>&1 || true
echo "$IMAGE"
