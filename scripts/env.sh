# Sourced by the project's scripts: one place for paths and versions.
# shellcheck shell=bash
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export REPO
# Caches outside the work tree, so a fresh clone (CI) reuses what an earlier run installed.
CACHE=${HARDENING_CACHE:-/var/cache/hardening-rhel}
REQ_HASH=$(sha256sum "$REPO/scripts/requirements.txt" | cut -c1-12)
VENV=${HARDENING_VENV:-$CACHE/venv-$REQ_HASH}
ZIGBUILD_VERSION=0.24.1
TARGET=x86_64-unknown-linux-gnu
GLIBC=2.28
RELEASE_DIR=${HARDENING_RELEASE_DIR:-$REPO/target/$TARGET/release}
DIST=$REPO/dist
export CACHE VENV ZIGBUILD_VERSION TARGET GLIBC RELEASE_DIR DIST

export PATH="$VENV/bin:$HOME/.cargo/bin:$PATH"
# podman: runc instead of crun, ulimits this host allows (see molecule/image/build.sh)
export CONTAINERS_CONF=$CACHE/containers.conf
export ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 PY_COLORS=0 ANSIBLE_HOST_KEY_CHECKING=False

# The module crates that ship: every directory of modules/ with a src/main.rs (the kit has none;
# a module still in progress is a library until its main.rs exists).
modules() {
  local d
  for d in "$REPO"/modules/*/; do
    [ -f "$d/src/main.rs" ] && basename "$d"
  done
  return 0
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
