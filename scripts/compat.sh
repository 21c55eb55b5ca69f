#!/usr/bin/env bash
# ansible-core compatibility: for every minor from requires_ansible's floor to the newest on PyPI
# (the newest patch of each, pinned below), the installed artifact runs the baseline against two
# fresh throwaway containers of the test image (scripts/sshlab.sh): one over SSH (sshd on 2222;
# the action plugins' one-round-trip path, pipelining on) and one over the podman connection
# (containers.podman 1.21, which pipelines: the binary cache), both in each play. On each:
# harden, harden in check mode (changed=0), harden again (changed=0), audit (compliant but for
# what waits for a reboot). Then an ad hoc module in check mode from the binary cache, an ad hoc
# module on the standard path over SSH (pipelining off); the module docs render with ansible-doc
# and `ansible-doc -l hardening.rhel` lists every module with its short description and no
# warning. Any deprecation warning of Ansible's fails the version.
# Controllers: 2.16 - 2.19 in venvs of this machine's Python (3.11); 2.20 and 2.21 need Python
# >= 3.12: trixie's python3 (3.13) in a container of the build root image with an OpenSSH client
# and podman-remote added (talking to this host's podman through a private API socket), on the
# host network. Venvs are cached per version under $CACHE/compat, and so is containers.podman.
# Usage: scripts/compat.sh [VERSION...]   (HARDENING_COLLECTIONS_PATH: the installed artifact)
source "$(dirname "$0")/env.sh"
HOST_VERSIONS="2.16.19 2.17.14 2.18.19 2.19.14"
PY313_VERSIONS="2.20.10 2.21.5"
# ansible-test sanity (every test, no ignore file, no network) on the floor and the newest; the
# pinned 2.19 runs it in .ci/run's own sanity step
SANITY_VERSIONS="2.16.19 2.21.5"
COLL=${HARDENING_COLLECTIONS_PATH:?the installed artifact: HARDENING_COLLECTIONS_PATH}
versions=("$@")
[ ${#versions[@]} -gt 0 ] || read -r -a versions <<<"$HOST_VERSIONS $PY313_VERSIONS"

work=$(mktemp -d /var/tmp/hardening-compat.XXXXXX)
export SSHLAB_DIR=$work/lab SSHLAB_PORT_BASE=25000 SSHLAB_PREFIX=hrcompat
cleanup() {
  bash "$REPO/scripts/sshlab.sh" down >/dev/null 2>&1 || true
  [ -z "${service_pid:-}" ] || kill "$service_pid" 2>/dev/null || true
  if [ -n "${COMPAT_KEEP:-}" ]; then echo "kept: $work"; else rm -rf "$work"; fi
}
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
    printf 'FROM %s\nRUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openssh-client podman-remote && apt-get clean && rm -rf /var/lib/apt/lists/*\n' "$br" > "$ctx/Containerfile"
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
    podman run --rm --network="${NETWORK:-host}" -v "$COLL:$COLL:ro" -v "$work:$work" -v "$REPO:$REPO:ro" -v "$CACHE/compat:$CACHE/compat" \
      -w "$work" -e ANSIBLE_COLLECTIONS_PATH="$COLL:$work/podman-collection" -e ANSIBLE_NOCOLOR=1 -e ANSIBLE_HOST_KEY_CHECKING=False \
      -e CONTAINER_HOST="unix://$work/podman.sock" \
      -v /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro \
      $( [ -f /etc/pip.conf ] && echo "-v /etc/pip.conf:/etc/pip.conf:ro" ) \
      -e ANSIBLE_PIPELINING=True -e HOME="${HOME_DIR:-/root}" -e PATH="$dir/bin:/usr/local/bin:/usr/bin:/bin" "$PY313" "$@"
  else
    local wrap=(); [ "${NETWORK:-host}" = host ] || wrap=(unshare -n)
    (cd "$work" && ${wrap[@]+"${wrap[@]}"} env HOME="${HOME_DIR:-$HOME}" ANSIBLE_COLLECTIONS_PATH="$COLL:$work/podman-collection" ANSIBLE_PIPELINING=True PATH="$dir/bin:$PATH" "$@")
  fi
}

PY313=
for v in "${versions[@]}"; do is_py313 "$v" && PY313=$(py313_image); done
# the podman connection plugin for every version: containers.podman 1.21.0, from the ansible
# package 14.5.0's wheel (PyPI; cached): the toolchain's 1.18.0 imports ansible.module_utils._text,
# which 2.21 reports as deprecated
PODMAN_FROM=ansible==14.5.0
if [ ! -d "$CACHE/compat/containers-podman-$PODMAN_FROM/ansible_collections/containers/podman" ]; then
  rm -rf "$CACHE/compat/wheel" "$CACHE/compat/containers-podman-$PODMAN_FROM"
  pip download -q --disable-pip-version-check --no-deps --only-binary=:all: --python-version 3.12 \
    -d "$CACHE/compat/wheel" "$PODMAN_FROM"
  python3 -m zipfile -e "$CACHE/compat/wheel/"ansible-*.whl "$CACHE/compat/wheel/x" >/dev/null
  mkdir -p "$CACHE/compat/containers-podman-$PODMAN_FROM/ansible_collections/containers"
  mv "$CACHE/compat/wheel/x/ansible_collections/containers/podman" "$CACHE/compat/containers-podman-$PODMAN_FROM/ansible_collections/containers/"
  rm -rf "$CACHE/compat/wheel"
fi
mkdir -p "$work/podman-collection/ansible_collections/containers"
cp -a "$CACHE/compat/containers-podman-$PODMAN_FROM/ansible_collections/containers/podman" \
  "$work/podman-collection/ansible_collections/containers/podman"
# the controllers in containers reach this host's podman through its API on a private socket
if [ -n "$PY313" ]; then
  podman system service --time=0 "unix://$work/podman.sock" > "$work/podman-service.log" 2>&1 &
  service_pid=$!
  for _ in $(seq 1 50); do [ -S "$work/podman.sock" ] && break; sleep 0.1; done
fi
# sanity VERSION: ansible-test sanity of that version on the installed collection, every test, no
# ignore file; its test environments are primed with network, then the tests run without. Its
# pip bootstrap (get-pip.py, from a host out of reach) is scripts/get-pip-standin.py with the pip
# wheel that version pins, in a home of that version's own under $CACHE/compat.
sanity() {
  local v=$1 home=$CACHE/compat/home-$v py tree pins pipv cache
  tree=$work/sanity-$v/ansible_collections/hardening
  mkdir -p "$tree" "$home"
  cp -a "$COLL/ansible_collections/hardening/rhel" "$tree/rhel"
  rm -f "$tree/rhel/"{MANIFEST,FILES}.json
  if is_py313 "$v"; then py=3.13; else py=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])'); fi
  # the packages ansible-test bootstraps its environments with (pip; up to 2.16 setuptools and
  # wheel too), as that version pins them, from the machine's pip index into its cache
  pins=$(python3 - "$(venv "$v")" <<'PY'
import ast, glob, sys
src = open(glob.glob(sys.argv[1] + "/lib/python3*/site-packages/ansible_test/_internal/python_requirements.py")[0]).read()
for node in ast.walk(ast.parse(src)):
    if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "default_packages":
        print(" ".join("%s==%s" % (k.arg, k.value.value) for k in node.value.keywords))
PY
)
  pipv=$(tr ' ' '\n' <<<"$pins" | sed -n 's/^pip==//p')
  [ -n "$pipv" ] || { echo "$v sanity: cannot tell the pip version ansible-test pins"; return 1; }
  cache=$home/.ansible/test/cache
  mkdir -p "$cache"
  [ -f "$cache/.pins" ] && [ "$(cat "$cache/.pins")" = "$pins" ] || {
    pip download -q --disable-pip-version-check --no-deps --only-binary=:all: -d "$cache" $pins &&
      echo "$pins" > "$cache/.pins"; } || return 1
  install -m 0644 "$REPO/scripts/get-pip-standin.py" "$cache/get_pip_${pipv//./_}.py"
  local w=$work/sanity-$v/ansible_collections/hardening/rhel
  HOME_DIR=$home run sanity-prime sh -c "cd '$w' && ansible-test sanity --prime-venvs --local --python $py" || return 1
  HOME_DIR=$home NETWORK=none run sanity sh -c "cd '$w' && ansible-test sanity --local --python $py" || return 1
  grep -cE "^Running sanity test" "$out.sanity" | sed "s/^/$v sanity: tests run: /"
}

: > "$work/results"
failed=0
# one_version VERSION: the whole check of one version, on its lane's own lab (SSHLAB_*)
one_version() {
  local v=$1
  t0=$(date +%s)
  log "ansible-core $v"
  bash "$REPO/scripts/sshlab.sh" down >/dev/null 2>&1 || true
  inv=$(bash "$REPO/scripts/sshlab.sh" up 2 "${HARDENING_TEST_IMAGE:-}" | tail -n 1)
  ssh_host=$SSHLAB_PREFIX-1 pod_host=$SSHLAB_PREFIX-2
  podinv=$work/podman-$v.ini
  pod_vars="ansible_connection=containers.podman.podman ansible_python_interpreter=/usr/bin/python3"
  is_py313 "$v" && pod_vars+=" ansible_podman_executable=podman-remote"
  { echo "[pod]"; echo "$pod_host $pod_vars"; } > "$podinv"
  out=$work/out-$v
  rc=0
  run() { # run NAME ARGS...: an ansible command of this version, its output kept and checked
    local name=$1; shift
    if ! on "$v" "$@" > "$out.$name" 2>&1; then
      # what failed (a task's fatal line and its message), then the end of the output
      echo "$v $name: failed"; grep -E -A4 "^(fatal|failed): \[|^ERROR" "$out.$name" | head -40; tail -n 25 "$out.$name"; rc=1; return 1
    fi
    # Ansible's own deprecation warnings (a Python warning of a library ansible-core imports,
    # e.g. cryptography's, is not about the collection)
    if grep -E "\[DEPRECATION WARNING\]" "$out.$name"; then echo "$v $name: a deprecation warning"; rc=1; return 1; fi
    grep -E "^\S+ +: ok=" "$out.$name" || true
  }
  run version ansible --version && grep -m1 "core" "$out.version" || true
  # the baseline on both hosts at once (one play per step, the SSH host and the podman host in
  # parallel): harden, check mode, harden again, audit
  both=$work/both-$v.ini
  { sed "/^$pod_host /d" "$inv"; cat "$podinv"; } > "$both"
  cp "$REPO/tests/perf/bench/fleet_vars.yml" "$work/vars-$v.yml"
  echo "hardening_report_dir: $work/report-$v" >> "$work/vars-$v.yml"
  pb=(ansible-playbook -i "$both" -l "$ssh_host,$pod_host" -e "@$work/vars-$v.yml")
  # unchanged STEP: each host's recap line says changed=0
  unchanged() {
    local h
    for h in "$ssh_host" "$pod_host"; do
      grep -Eq "^$h +: ok=[0-9]+ +changed=0 +unreachable=0 +failed=0" "$out.$1" || { echo "$v $h: $2"; rc=1; }
    done
  }
  run harden "${pb[@]}" hardening.rhel.harden || true
  # check mode on the hardened host predicts no change (on a fresh host it stops at the fapolicyd
  # rules: check mode writes no trust entry for the collection's cached binaries)
  run check "${pb[@]}" hardening.rhel.harden --check && unchanged check "check mode on the hardened host predicts a change" || true
  run again "${pb[@]}" hardening.rhel.harden && unchanged again "the second harden run changed something" || true
  run audit "${pb[@]}" hardening.rhel.audit &&
    python3 - "$work/report-$v/$ssh_host.json" "$work/report-$v/$pod_host.json" <<'PY' || rc=1
import json, sys
for f in sys.argv[1:]:
    r = json.load(open(f))
    assert r["compliant"] and not r["findings"], (f, r["findings"])
PY
  run adhoc ansible -i "$inv" -l "$ssh_host" all -m hardening.rhel.selinux -a "state=enforcing policy=default" --check &&
    { grep -q '"hardening_delivery": "cache"' "$out.adhoc" || { echo "$v: the ad hoc task did not run from the binary cache"; rc=1; }; } || true
  # the standard binary-module path (SSH with pipelining off; the podman connection, which has no
  # pipelining): the binary of files/modules/<arch>/ runs, not plugins/modules/<module>.py
  run standard env ANSIBLE_PIPELINING=False ansible -i "$inv" -l "$ssh_host" all -m hardening.rhel.security_facts &&
    { grep -q '"hardening_delivery": "standard"' "$out.standard" && grep -q '"selinux":' "$out.standard" ||
      { echo "$v: the standard path over SSH did not run the module binary"; rc=1; }; } || true
  # over podman: the connection plugin's own way (containers.podman 1.21 pipelines: the binary
  # cache) and, with pipelining off, the standard way
  run podadhoc ansible -i "$podinv" all -m hardening.rhel.security_facts &&
    { grep -q '"hardening_delivery": "cache"' "$out.podadhoc" && grep -q '"selinux":' "$out.podadhoc" ||
      { echo "$v: the podman connection did not run the module binary from the cache"; rc=1; }; } || true
  run podstandard env ANSIBLE_PIPELINING=False ansible -i "$podinv" all -m hardening.rhel.security_facts &&
    { grep -q '"hardening_delivery": "standard"' "$out.podstandard" && grep -q '"selinux":' "$out.podstandard" ||
      { echo "$v: the podman connection did not run the module binary the standard way"; rc=1; }; } || true
  run doc ansible-doc -t module hardening.rhel.firewalld_zone && { grep -q "EXAMPLES" "$out.doc" || { echo "$v: ansible-doc rendered no examples"; rc=1; }; } || true
  # the listing: every module with its short description, no warning
  run list ansible-doc -t module -l hardening.rhel && run listjson ansible-doc -t module -l -j hardening.rhel &&
    python3 "$REPO/scripts/check-doc-list.py" "$REPO/collection/plugins/modules" "$out.list" "$out.listjson" || rc=1
  if [[ " $SANITY_VERSIONS " == *" $v "* ]]; then sanity "$v" || rc=1; fi
  secs=$(( $(date +%s) - t0 ))
  if [ $rc = 0 ]; then echo "ansible-core $v: ok ($secs s)" | tee -a "$work/results"; else echo "ansible-core $v: FAILED ($secs s)" | tee -a "$work/results"; fi
}
# Two lanes, each a lab of its own (container names, ports, directory): most of a version's time
# is spent waiting for containers and SSH, so two run in about the time of one and a half. The
# Python 3.13 versions (their podman connection is podman-remote through the one API socket) and
# the floor run one after the other in lane 0, the other host versions in lane 1: in the first run
# in lanes, 2.21's podman host failed its first module task while 2.20's ran beside it (not seen
# alone). Each lane's output is printed when it ends.
lane_of() { # lane_of VERSION INDEX
  if is_py313 "$1" || [ "$2" = 0 ]; then echo 0; else echo 1; fi
}
cleanup_labs() {
  local l
  for l in 0 1; do SSHLAB_DIR=$work/lab-$l SSHLAB_PREFIX=hrcompat$l bash "$REPO/scripts/sshlab.sh" down >/dev/null 2>&1 || true; done
}
trap 'cleanup_labs; cleanup' EXIT
pids=()
for lane in 0 1; do
  (
    export SSHLAB_DIR=$work/lab-$lane SSHLAB_PORT_BASE=$((25000 + 100 * lane)) SSHLAB_PREFIX=hrcompat$lane
    for i in "${!versions[@]}"; do
      [ "$(lane_of "${versions[$i]}" "$i")" = "$lane" ] || continue
      one_version "${versions[$i]}"
    done
  ) > "$work/lane-$lane.log" 2>&1 &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || true; done
cat "$work/lane-0.log" "$work/lane-1.log"
grep -q ": FAILED" "$work/results" && failed=1
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
