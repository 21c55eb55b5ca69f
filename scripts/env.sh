# Sourced by the project's scripts: one place for paths and versions.
# shellcheck shell=bash
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export REPO
# Caches outside the work tree, so a fresh clone (CI) reuses what an earlier run installed.
CACHE=${HARDENING_CACHE:-/var/cache/hardening-rhel}
REQ_HASH=$(sha256sum "$REPO/scripts/requirements.txt" | cut -c1-12)
VENV=${HARDENING_VENV:-$CACHE/venv-$REQ_HASH}
GLIBC=2.28
# The architectures shipped (uname -m); each is built for <arch>-unknown-linux-gnu.$GLIBC.
ARCHES="x86_64 aarch64"
# cargo's target directory of the build root: outside the work tree, so a fresh clone (CI) reuses
# the dependencies and the std built with the size profile (/src inside, whatever the clone's path)
BUILD_TARGET_DIR=${HARDENING_BUILD_TARGET_DIR:-$CACHE/buildroot-target}
# build.sh copies the release binaries to target/bin/<arch>/<module> (this clone's own)
BIN_ROOT=$REPO/target/bin
RELEASE_DIR=${HARDENING_RELEASE_DIR:-$BIN_ROOT/x86_64}
DIST=$REPO/dist
export CACHE VENV GLIBC ARCHES BUILD_TARGET_DIR BIN_ROOT RELEASE_DIR DIST

export PATH="$VENV/bin:$HOME/.cargo/bin:$PATH"
# podman: runc instead of crun, ulimits this host allows (see molecule/image/build.sh)
export CONTAINERS_CONF=$CACHE/containers.conf
export ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 PY_COLORS=0 ANSIBLE_HOST_KEY_CHECKING=False

# The module crates that ship: every directory of modules/ with a src/main.rs (the kit has none;
# a module still in progress is a library until its main.rs exists).
modules() {
  local d
  for d in "$REPO"/modules/*/; do
    # modules/cli is the hardening-rhel program (built beside the modules, not a module)
    [ -f "$d/src/main.rs" ] && [ "$(basename "$d")" != cli ] && basename "$d"
  done
  return 0
}

# in_buildroot COMMAND...: run in the release build root (scripts/buildroot.sh: Debian trixie's
# Rust, zig, cargo-zigbuild, qemu-user), built first if missing. The work tree is /src, cargo's
# home and target directory are cached under $CACHE; aarch64 test binaries run under qemu-aarch64.
# The host needs no Rust toolchain. Extra podman options: the array BUILDROOT_OPTS.
in_buildroot() {
  local img
  img=$(bash "$REPO/scripts/buildroot.sh" | tail -n 1)
  mkdir -p "$CACHE/buildroot-cargo" "$BUILD_TARGET_DIR"
  podman run --rm --init --cap-add SYS_PTRACE \
    -v "$REPO:/src" -v "$CACHE/buildroot-cargo:/cargo" -v "$BUILD_TARGET_DIR:/target" \
    -v /etc/ssl/certs/ca-certificates.crt:/host-ca.crt:ro \
    -e CARGO_HOME=/cargo -e CARGO_TARGET_DIR=/target -e CARGO_TERM_COLOR=never \
    -e CARGO_HTTP_CAINFO=/host-ca.crt -e SSL_CERT_FILE=/host-ca.crt \
    -e CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER=qemu-aarch64 \
    ${BUILDROOT_OPTS[@]+"${BUILDROOT_OPTS[@]}"} -w /src "$img" "$@"
}

# host_qemu: the path of a static qemu-aarch64 on the host, for aarch64 programs run outside the
# build root (the arm64 Molecule scenario, scripts/qemu-userns.py on the host). Copied once from
# the build root image (trixie's qemu-user is static-pie; a dynamic one cannot start inside an
# arm64 root, which has no x86_64 loader). Nothing is installed or registered on the host.
host_qemu() {
  local img q
  img=$(bash "$REPO/scripts/buildroot.sh" | tail -n 1)
  q=$CACHE/qemu-aarch64-${img##*:}
  if [ ! -x "$q" ]; then
    podman run --rm "$img" cat /usr/bin/qemu-aarch64 > "$q.tmp"
    chmod 0755 "$q.tmp"
    mv "$q.tmp" "$q"
  fi
  echo "$q"
}

log() { printf '\n== %s\n' "$*"; }

# The Debian archive URI this machine's own APT configuration uses for SUITE (e.g. bookworm,
# bookworm-security): deb822 .sources files and one-line lists alike. The project names no mirror.
apt_mirror() {
  python3 - "$1" <<'PY'
import glob, sys
suite = sys.argv[1]
for f in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
    for block in open(f).read().split("\n\n"):
        kv = {}
        for line in block.splitlines():
            if ":" in line and not line.lstrip().startswith("#"):
                k, v = line.split(":", 1)
                kv[k.strip().lower()] = v.split()
        if "deb" in kv.get("types", []) and suite in kv.get("suites", []) and kv.get("uris"):
            print(kv["uris"][0]); sys.exit(0)
for f in ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list")):
    try:
        lines = open(f).read().splitlines()
    except OSError:
        continue
    for line in lines:
        w = line.split("#")[0].split()
        if w[:1] == ["deb"]:
            w = [x for x in w[1:] if not x.startswith("[")]
            if len(w) >= 2 and w[1] == suite:
                print(w[0]); sys.exit(0)
sys.exit("no APT source for " + suite + " in /etc/apt: configure one first")
PY
}
