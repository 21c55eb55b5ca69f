#!/usr/bin/env bash
# Installs every tool the build and the tests need, idempotently, on a fresh Debian 12 machine
# (as root): podman + runc + debootstrap, strace (fault injection), a Python venv with the pinned
# Ansible/Molecule toolchain. No Rust: that is the build root's (scripts/buildroot.sh, an image
# built on first use). Run by build.sh, test.sh and demo.sh.
source "$(dirname "$0")/env.sh"

mkdir -p "$CACHE"

need_apt=()
# chromium: the HTML fleet report rendered headless (scripts/check-reports.sh)
for pkg in podman runc debootstrap binutils e2fsprogs fdisk openssh-client strace chromium; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  log "apt: installing ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# QEMU for the real-kernel scenario: bookworm's qemu-system-x86 (7.2) conflicts with the
# machine's qemu-utils 10.0 from backports, so it comes from bookworm-backports too — through a
# private APT configuration (its own sources list and state under $CACHE/apt; /etc/apt untouched).
if ! command -v qemu-system-x86_64 >/dev/null; then
  log "apt (bookworm-backports): qemu-system-x86"
  APTDIR=$CACHE/apt
  mkdir -p "$APTDIR/lists/partial" "$APTDIR/archives/partial"
  # the machine's own mirrors (its APT configuration), backports from the same archive
  MIRROR=$(apt_mirror bookworm)
  SECURITY=$(apt_mirror bookworm-security)
  cat > "$APTDIR/sources.list" <<SRC
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb $MIRROR bookworm-backports main
deb $SECURITY bookworm-security main
SRC
  cat > "$APTDIR/apt.conf" <<CONF
Dir::Etc::sourcelist "$APTDIR/sources.list";
Dir::Etc::sourceparts "-";
Dir::State::lists "$APTDIR/lists";
Dir::Cache::archives "$APTDIR/archives";
CONF
  APT_CONFIG=$APTDIR/apt.conf apt-get update -qq
  APT_CONFIG=$APTDIR/apt.conf DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    -t bookworm-backports --no-install-recommends qemu-system-x86 >/dev/null
fi

if [ ! -x "$VENV/bin/molecule" ] || [ ! -f "$VENV/.complete" ]; then
  log "python venv $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$REPO/scripts/requirements.txt"
  touch "$VENV/.complete"
fi

# ansible-test's sanity tests run in virtual environments it bootstraps with get-pip.py, which it
# downloads from a host these machines cannot reach unless the script is in its cache: a stand-in
# (scripts/get-pip-standin.py) and the pip wheel of the version this ansible-test pins, from the
# machine's pip index. The environments themselves are primed in scripts/test.sh (network), the
# tests then run without any (unshare -n).
at_cache=$HOME/.ansible/test/cache
pip_version=$("$VENV/bin/python3" - <<'PY'
import re, ansible_test, os
src = open(os.path.join(os.path.dirname(ansible_test.__file__), "_internal", "python_requirements.py")).read()
print(re.search(r"default_packages = dict\(\s*pip='([0-9.]+)'", src).group(1))
PY
)
if [ ! -f "$at_cache/pip-$pip_version-py3-none-any.whl" ]; then
  log "pip $pip_version for ansible-test's bootstrap"
  mkdir -p "$at_cache"
  "$VENV/bin/pip" download -q --disable-pip-version-check --no-deps -d "$at_cache" "pip==$pip_version"
fi
rm -f "$at_cache"/pip-*-py3-none-any.whl.tmp
for w in "$at_cache"/pip-*-py3-none-any.whl; do [ "$w" = "$at_cache/pip-$pip_version-py3-none-any.whl" ] || rm -f "$w"; done
install -m 0644 "$REPO/scripts/get-pip-standin.py" "$at_cache/get_pip_${pip_version//./_}.py"

# Rust: none on the host. Builds and tests run in the build root (scripts/buildroot.sh).

# podman on this host: runc (crun refuses hybrid cgroups), ulimits within the hard limits
# (root lacks CAP_SYS_RESOURCE here). A file of our own via CONTAINERS_CONF; /etc is untouched.
nproc_limit=$(ulimit -Hu); [ "$nproc_limit" = unlimited ] && nproc_limit=32768
[ "$nproc_limit" -gt 32768 ] && nproc_limit=32768
nofile_limit=$(ulimit -Hn); [ "$nofile_limit" = unlimited ] && nofile_limit=65536
cat > "$CONTAINERS_CONF.tmp" <<CONF
[containers]
default_ulimits = ["nofile=$nofile_limit:$nofile_limit", "nproc=$nproc_limit:$nproc_limit"]
[engine]
runtime = "runc"
CONF
mv "$CONTAINERS_CONF.tmp" "$CONTAINERS_CONF"
