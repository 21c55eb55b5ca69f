#!/usr/bin/env bash
# The execution environment, built for real: Automation Platform's usual base image is out of
# reach of these machines, so the base is our own - Debian from its packages (debootstrap, the
# machine's APT mirror) with Python 3, pip and the SSH client, and the machine's own pip index
# (if it names one) and CA bundle, so that pip in the build reaches what the machine reaches -
# and ansible-builder builds the EE on it from execution-environment.yml (ansible-core and
# ansible-runner pinned, the collection artifact). Both images are cached by what they are made of.
# CORE_VERSION: the ansible-core the EE gets (default: execution-environment.yml's pin, the floor
# of requires_ansible, what Automation Platform 2.5's EEs carry); the base is Debian bookworm
# (Python 3.11) up to 2.19, trixie (Python 3.13) from 2.20, which needs Python >= 3.12.
# Prints the EE image name. Needs dist/ (scripts/build.sh).
# Usage: ee/build.sh [CORE_VERSION]
source "$(dirname "$0")/../scripts/env.sh"
HERE=$REPO/ee
version=$(sed -n 's/^version: *//p' "$REPO/collection/galaxy.yml")
BASE_PACKAGES=(python3 python3-pip python3-venv openssh-client ca-certificates)
pinned=$(sed -n 's/^ *package_pip: ansible-core==//p' "$REPO/execution-environment.yml")
core=${1:-$pinned}
[[ "$core" =~ ^2\.([0-9]+)\.[0-9]+$ ]] || { echo "ee/build.sh: not an ansible-core version: $core" >&2; exit 2; }
if [ "${BASH_REMATCH[1]}" -ge 20 ]; then suite=trixie; else suite=bookworm; fi
pip_index=$("$VENV/bin/pip" config get global.index-url 2>/dev/null || true)
pip_cert=$("$VENV/bin/pip" config get global.cert 2>/dev/null || echo /etc/ssl/certs/ca-certificates.crt)
base_tag=$(printf '%s\n' "$suite" "${BASE_PACKAGES[*]}" "$(sed -n '/^if ! podman image exists "$BASE"/,/^fi/p' "$0")" "$pip_index" "$(cat "$pip_cert")" | sha256sum | cut -c1-12)
BASE=localhost/hardening-rhel-ee-base:$suite-$base_tag
if ! podman image exists "$BASE"; then
  root=$(mktemp -d /var/tmp/hardening-ee-root.XXXXXX)
  trap 'rm -rf "$root"' EXIT
  log "debootstrap the EE base ($BASE)" >&2
  debootstrap --variant=minbase --include="$(IFS=,; echo "${BASE_PACKAGES[*]}")" \
    "$suite" "$root" "$(apt_mirror bookworm)" >&2   # the machine's Debian mirror serves every suite
  chroot "$root" apt-get clean
  rm -rf "$root"/var/lib/apt/lists/*
  : > "$root/etc/machine-id"
  cp "$pip_cert" "$root/etc/ssl/certs/ca-certificates.crt"
  printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n%s' "${pip_index:+index-url = $pip_index
}" > "$root/etc/pip.conf"
  tar -C "$root" -c . | podman import - "$BASE" >&2
  rm -rf "$root"
fi

ctx=$(mktemp -d /var/tmp/hardening-ee-ctx.XXXXXX)
trap 'rm -rf "$ctx"' EXIT
# execution-environment.yml with this EE's ansible-core (the artifact by its absolute path)
sed -e "s/^\( *package_pip: ansible-core==\).*/\1$core/" -e "s|^\( *- src: \)dist/|\1$DIST/|" \
  "$REPO/execution-environment.yml" > "$ctx/ee.yml"
grep -q "ansible-core==$core\$" "$ctx/ee.yml" || { echo "no ansible-core pin in execution-environment.yml" >&2; exit 1; }
tag=$( { cat "$ctx/ee.yml"; echo "$BASE"; cat "$DIST/hardening-rhel-$version.tar.gz"; } | sha256sum | cut -c1-12)
EE=localhost/hardening-rhel-ee:$version-core$core-$tag
if ! podman image exists "$EE"; then
  log "ansible-builder build $EE on $BASE" >&2
  ansible-builder create -f "$ctx/ee.yml" -c "$ctx/build" >/dev/null
  ctx=$ctx/build
  podman build -f "$ctx/Containerfile" --build-arg EE_BASE_IMAGE="$BASE" \
    --build-arg PKGMGR=/usr/bin/apt-get --build-arg PKGMGR_PRESERVE_CACHE=always -t "$EE" "$ctx" >&2
fi
echo "$EE"
