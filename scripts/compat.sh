#!/usr/bin/env bash
# ansible-core compatibility: for every minor from requires_ansible's floor to the newest on PyPI
# (the newest patch of each, pinned below), the installed artifact runs the baseline against a
# fresh throwaway SSH target (scripts/sshlab.sh: the test image, sshd on 2222; the action
# plugins' one-round-trip path): harden, harden in check mode (changed=0), harden again (changed=0), audit
# (compliant but for what waits for a reboot), and an ad hoc module in check mode; the module
# docs render with ansible-doc. Any deprecation warning of Ansible's fails the version.
# Controllers: 2.16 - 2.19 in venvs of this machine's Python (3.11); 2.20 and 2.21 need Python
# >= 3.12: trixie's python3 (3.13) in a container of the build root image with an OpenSSH client
# added, on the host network. Venvs are cached per version under $CACHE/compat.
# Usage: scripts/compat.sh [VERSION...]   (HARDENING_COLLECTIONS_PATH: the installed artifact)
source "$(dirname "$0")/env.sh"
HOST_VERSIONS="2.16.19 2.17.14 2.18.19 2.19.14"
PY313_VERSIONS="2.20.10 2.21.5"
COLL=${HARDENING_COLLECTIONS_PATH:?the installed artifact: HARDENING_COLLECTIONS_PATH}
versions=("$@")
[ ${#versions[@]} -gt 0 ] || read -r -a versions <<<"$HOST_VERSIONS $PY313_VERSIONS"

work=$(mktemp -d /var/tmp/hardening-compat.XXXXXX)
export SSHLAB_DIR=$work/lab SSHLAB_PORT_BASE=25000 SSHLAB_PREFIX=hrcompat
cleanup() { bash "$REPO/scripts/sshlab.sh" down >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$CACHE/compat"

# the Python 3.13 controller image: the build root (trixie's python3) and an OpenSSH client
py313_image() {
  local br tag img ctx
  br=$(bash "$REPO/scripts/buildroot.sh" | tail -n 1)
  tag=$( (echo "$br"; sed -n '/^py313_image()/,/^}/p' "$0") | sha256sum | cut -c1-12)
  img=localhost/hardening-rhel-py313:$tag
  if ! podman image exists "$img"; then
    ctx=$(mktemp -d /var/tmp/hardening-py313.XXXXXX)
    printf 'FROM %s\nRUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openssh-client && apt-get clean && rm -rf /var/lib/apt/lists/*\n' "$br" > "$ctx/Containerfile"
    podman build -q -t "$img" "$ctx" >&2
    rm -rf "$ctx"
  fi
  echo "$img"
}

is_py313() { [[ " $PY313_VERSIONS " == *" $1 "* ]]; }

# venv VERSION: the version's venv, created once (pip from this machine's configuration)
venv() {
  local v=$1 dir
  if is_py313 "$v"; then
    dir=$CACHE/compat/py313/$v
    if [ ! -f "$dir/.complete" ]; then
      rm -rf "$dir"; mkdir -p "$CACHE/compat/py313"
      podman run --rm --network=host -v "$CACHE/compat/py313:$CACHE/compat/py313" \
        -v /etc/ssl/certs/ca-certificates.crt:/host-ca.crt:ro \
        $( [ -f /etc/pip.conf ] && echo "-v /etc/pip.conf:/etc/pip.conf:ro" ) -e PIP_CERT=/host-ca.crt \
        "$PY313" sh -c "python3 -m venv '$dir' && '$dir/bin/pip' install -q --disable-pip-version-check 'ansible-core==$v' && touch '$dir/.complete'" >&2
    fi
  else
    dir=$CACHE/compat/venv-$v
    if [ ! -f "$dir/.complete" ]; then
      rm -rf "$dir"
      python3 -m venv "$dir" && "$dir/bin/pip" install -q --disable-pip-version-check "ansible-core==$v" && touch "$dir/.complete"
    fi
  fi
  echo "$dir"
}

# on VERSION CMD...: CMD with that version's ansible first on PATH, the artifact installed
on() {
  local v=$1; shift
  local dir; dir=$(venv "$v")
  if is_py313 "$v"; then
    podman run --rm --network=host -v "$COLL:$COLL:ro" -v "$work:$work" -v "$REPO:$REPO:ro" -v "$dir:$dir:ro" \
      -w "$work" -e ANSIBLE_COLLECTIONS_PATH="$COLL" -e ANSIBLE_NOCOLOR=1 -e ANSIBLE_HOST_KEY_CHECKING=False \
      -e ANSIBLE_PIPELINING=True -e HOME=/root -e PATH="$dir/bin:/usr/local/bin:/usr/bin:/bin" "$PY313" "$@"
  else
    (cd "$work" && env ANSIBLE_COLLECTIONS_PATH="$COLL" ANSIBLE_PIPELINING=True PATH="$dir/bin:$PATH" "$@")
  fi
}

PY313=
for v in "${versions[@]}"; do is_py313 "$v" && PY313=$(py313_image); done
: > "$work/results"
failed=0
for v in "${versions[@]}"; do
  t0=$(date +%s)
  log "ansible-core $v"
  bash "$REPO/scripts/sshlab.sh" down >/dev/null 2>&1 || true
  inv=$(bash "$REPO/scripts/sshlab.sh" up 1 "${HARDENING_TEST_IMAGE:-}" | tail -n 1)
  cp "$REPO/tests/perf/bench/fleet_vars.yml" "$work/vars.yml"
  echo "hardening_report_dir: $work/report-$v" >> "$work/vars.yml"
  out=$work/out-$v
  rc=0
  run() { # run NAME ARGS...: an ansible command of this version, its output kept and checked
    local name=$1; shift
    if ! on "$v" "$@" > "$out.$name" 2>&1; then echo "$v $name: failed"; tail -n 25 "$out.$name"; rc=1; return 1; fi
    # Ansible's own deprecation warnings (a Python warning of a library ansible-core imports,
    # e.g. cryptography's, is not about the collection)
    if grep -E "\[DEPRECATION WARNING\]" "$out.$name"; then echo "$v $name: a deprecation warning"; rc=1; return 1; fi
    grep -E "^\S+ +: ok=" "$out.$name" || true
  }
  run version ansible --version && grep -m1 "core" "$out.version" || true
  run harden ansible-playbook -i "$inv" -e "@$work/vars.yml" hardening.rhel.harden || true
  # check mode on the hardened host predicts no change (on a fresh host it stops at the fapolicyd
  # rules: check mode writes no trust entry for the collection's cached binaries)
  run check ansible-playbook -i "$inv" -e "@$work/vars.yml" hardening.rhel.harden --check &&
    { grep -Eq "changed=0 +unreachable=0 +failed=0" "$out.check" || { echo "$v: check mode on the hardened host predicts a change"; rc=1; }; } || true
  run again ansible-playbook -i "$inv" -e "@$work/vars.yml" hardening.rhel.harden &&
    { grep -Eq "changed=0 +unreachable=0 +failed=0" "$out.again" || { echo "$v: the second harden run changed something"; rc=1; }; } || true
  run audit ansible-playbook -i "$inv" -e "@$work/vars.yml" hardening.rhel.audit &&
    python3 - "$work/report-$v/$SSHLAB_PREFIX-1.json" <<'PY' || rc=1
import json, sys
r = json.load(open(sys.argv[1]))
assert r["compliant"] and not r["findings"], r["findings"]
PY
  true
  run adhoc ansible -i "$inv" all -m hardening.rhel.selinux -a "state=enforcing policy=default" --check &&
    { grep -q '"hardening_delivery": "cache"' "$out.adhoc" || { echo "$v: the ad hoc task did not run from the binary cache"; rc=1; }; } || true
  run doc ansible-doc -t module hardening.rhel.firewalld_zone && { grep -q "EXAMPLES" "$out.doc" || { echo "$v: ansible-doc rendered no examples"; rc=1; }; } || true
  secs=$(( $(date +%s) - t0 ))
  if [ $rc = 0 ]; then echo "ansible-core $v: ok ($secs s)" | tee -a "$work/results"; else failed=1; echo "ansible-core $v: FAILED ($secs s)" | tee -a "$work/results"; fi
done
log "ansible-core compatibility"
cat "$work/results"
# the newest minor on PyPI against the range tested (and accepted: collection/meta/runtime.yml)
newest=$(pip download -q --no-deps --only-binary=:all: --python-version 3.13 -d "$work/newest" ansible-core 2>/dev/null &&
  ls "$work/newest" | sed -n 's/^ansible_core-\([0-9]*\.[0-9]*\)\..*/\1/p')
tested=$(echo "$PY313_VERSIONS" | tr ' ' '\n' | tail -n 1 | cut -d. -f1,2)
if [ -n "$newest" ] && [ "$(printf '%s\n%s\n' "$newest" "$tested" | sort -V | tail -n 1)" != "$tested" ]; then
  echo "NOTE: ansible-core $newest is on PyPI, newer than the tested range (up to $tested): requires_ansible does not accept it until compat.sh runs it"
else
  echo "newest ansible-core minor on PyPI: ${newest:-not asked (no network)}; tested up to $tested"
fi
exit $failed
