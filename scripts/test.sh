#!/usr/bin/env bash
# All tests: formatting and lints, unit tests, integration tests of the shipped (release)
# binaries against sandbox roots, the collection build, ansible-lint, and every Molecule
# scenario in a podman container against the built collection artifact.
# Usage: scripts/test.sh [scenario ...]   (default: every molecule/<scenario>/molecule.yml)
source "$(dirname "$0")/env.sh"
cd "$REPO"
start=$(date +%s)
passed=0
failed=0
failures=()

step() { # step NAME COMMAND... : run, count, keep going
  local name=$1; shift
  log "$name"
  local t0=$(date +%s)
  if "$@"; then
    passed=$((passed + 1)); echo "-- ok: $name ($(( $(date +%s) - t0 )) s)"
  else
    failed=$((failed + 1)); failures+=("$name"); echo "-- FAILED: $name ($(( $(date +%s) - t0 )) s)"
  fi
}

log "setup"
bash scripts/setup.sh

step "cargo fmt --check" cargo fmt --all --check
step "cargo clippy -D warnings" cargo clippy --workspace --all-targets --quiet -- -D warnings
step "unit tests (cargo test)" cargo test --workspace --exclude hardening-rhel-tests
step "build: release binaries (glibc $GLIBC) and collection artifact" bash scripts/build.sh
# includes the generated bad-input suite, fault injection (strace) and the fuzz corpus replay
step "integration tests: shipped binaries on sandbox roots" \
  env HARDENING_RHEL_BIN_DIR="$RELEASE_DIR" cargo test -p hardening-rhel-tests

# The built artifact, installed into a private collections path: Molecule and ansible-lint use
# exactly what a user would install, never the source tree.
version=$(sed -n 's/^version: *//p' collection/galaxy.yml)
COLL=$(mktemp -d /var/tmp/hardening-collections.XXXXXX)
trap 'rm -rf "$COLL"' EXIT
export HARDENING_COLLECTIONS_PATH=$COLL ANSIBLE_COLLECTIONS_PATH=$COLL
step "install the artifact" ansible-galaxy collection install --offline -p "$COLL" "$DIST/hardening-rhel-$version.tar.gz"
step "ansible-lint (production profile)" ansible-lint --offline --profile production
docs_render() { # every module of the artifact renders in ansible-doc, with its examples
  local m out
  for m in $(modules); do
    out=$(ansible-doc -t module "hardening.rhel.$m") || { echo "ansible-doc failed for $m"; return 1; }
    grep -q "EXAMPLES" <<<"$out" || { echo "no examples rendered for $m"; return 1; }
    echo "hardening.rhel.$m: rendered"
  done
}
step "ansible-doc renders every module of the artifact" docs_render

# The execution environment: ansible-builder makes its build context, and the collection installs
# from that context's requirements exactly as the EE's galaxy stage does (building the image itself
# needs the base image's registry, which these machines cannot reach).
ee_context() {
  local ctx
  ctx=$(mktemp -d /var/tmp/hardening-ee.XXXXXX)
  ansible-builder create -f execution-environment.yml -c "$ctx" >/dev/null
  (cd "$ctx/_build" && ansible-galaxy collection install --offline --force -r requirements.yml -p "$ctx/installed") >/dev/null
  local n
  n=$(find "$ctx/installed/ansible_collections/hardening/rhel/plugins/modules" -type f ! -name '*.yml' | wc -l)
  rm -rf "$ctx"
  echo "EE context: collection installed with $n module binaries"
  [ "$n" -eq "$(modules | wc -l)" ]
}
step "execution environment context (ansible-builder create)" ee_context

IMAGE=$(bash molecule/image/build.sh | tail -n 1)
export HARDENING_TEST_IMAGE=$IMAGE
echo "test image: $IMAGE"
step "accepted values read back by their real consumers (firewalld, fapolicyd, crypto-policies reader)" \
  bash tests/readback/run.sh "$IMAGE"
HARDENING_TEST_IMAGE_NOPYTHON=$(bash molecule/image/build-nopython.sh "$IMAGE" | tail -n 1)
export HARDENING_TEST_IMAGE_NOPYTHON
echo "Python-free test image: $HARDENING_TEST_IMAGE_NOPYTHON"
# The real-kernel target (scenario realkernel): a Debian guest disk image for QEMU, built once
# and cached by recipe; each run boots a throwaway overlay of it.
HARDENING_VM_DIR=$(bash molecule/image/vm-build.sh | tail -n 1)
export HARDENING_VM_DIR
echo "guest image: $HARDENING_VM_DIR"

scenarios=("$@")
if [ ${#scenarios[@]} -eq 0 ]; then
  for f in molecule/*/molecule.yml; do scenarios+=("$(basename "$(dirname "$f")")"); done
fi
for s in "${scenarios[@]}"; do
  step "molecule scenario $s" molecule test -s "$s"
done

log "summary ($(( $(date +%s) - start )) s)"
for f in "${failures[@]}"; do echo "failed: $f"; done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
