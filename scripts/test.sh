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
details=()

step() { # step NAME COMMAND... : run, count, keep going
  local name=$1; shift
  log "$name"
  local t0=$(date +%s) out
  out=$(mktemp /var/tmp/hardening-step.XXXXXX)
  # the output is kept so that the summary names what failed (a failing test, a failed task),
  # not only the step: a CI log is often read from its end (pipefail: the command's status)
  if "$@" 2>&1 | tee "$out"; then
    passed=$((passed + 1)); echo "-- ok: $name ($(( $(date +%s) - t0 )) s)"
  else
    failed=$((failed + 1)); failures+=("$name"); echo "-- FAILED: $name ($(( $(date +%s) - t0 )) s)"
    # (no match is no detail: grep's status must not end the run under set -e)
    details+=("$name:" "$( { grep -E -e '^test .* FAILED$' -e 'panicked at' -e '^(fatal|failed): \[' \
      -e '^ERROR' -e '^error(\[|:)' -e '^[A-Za-z]*Error: ' -e '^PROBLEM' "$out" || true; } | head -12 | cut -c1-300)")
  fi
  rm -f "$out"
}

# timed CMD...: CMD, and how long it took (the preparations between the steps: setup, the
# build root, the test images, the guest image - a cold machine spends its time there)
timed() {
  local t0 rc=0; t0=$(date +%s)
  "$@" || rc=$?
  echo "-- took $(( $(date +%s) - t0 )) s: $*" >&2
  return $rc
}

log "setup"
timed bash scripts/setup.sh
timed bash scripts/buildroot.sh >/dev/null

# Rust runs in the release build root (Debian trixie's toolchain; the host needs none)
step "cargo fmt --check" in_buildroot cargo fmt --all --check
step "cargo clippy -D warnings" in_buildroot cargo clippy --workspace --all-targets --quiet -- -D warnings
step "unit tests x86_64 (cargo test)" in_buildroot cargo test --workspace --exclude hardening-rhel-tests
step "unit tests aarch64 (cargo test under qemu-aarch64)" in_buildroot \
  cargo-zigbuild test --target "aarch64-unknown-linux-gnu.$GLIBC" --workspace --exclude hardening-rhel-tests
step "build: release binaries ($(echo $ARCHES), glibc $GLIBC) and collection artifact" bash scripts/build.sh
# the action plugins' binary cache: its remote script run with /bin/sh against temporary homes
# (symbolic links, foreign homes, writable directories refused before anything is created)
step "action plugins: the binary cache script and helpers (unittest)" \
  "$VENV/bin/python3" -m unittest discover -s tests/plugins -v
# every test the lockout documentation's access-path table names exists
step "lockout documentation: every test its table names exists" python3 scripts/check-lockout-table.py
# includes the generated bad-input suite, fault injection (strace) and the fuzz corpus replay
# as root with CAP_SYS_ADMIN like on a host (the selinux module labels /.autorelabel only with it;
# the sandbox roots are temp dirs of the build root container, never the host's /etc)
# aarch64: the same tests (built for x86_64) spawn the aarch64 binaries, which run under
# qemu-aarch64 through a binfmt_misc private to a user namespace (scripts/qemu-userns.py); of the
# generated bad inputs (argument validation, the same code on both) every 4th case runs there,
# of the injected faults and kills every 3rd (each run costs four times as much under qemu; the
# x86_64 run takes every one), everything else (reliability, modules) in full. seccomp unconfined:
# the fault injection runs the modules without address-space randomization (personality())
integration() { # integration ARCH
  local BUILDROOT_OPTS=(--cap-add SYS_ADMIN --security-opt seccomp=unconfined) wrap=()
  [ "$1" = x86_64 ] || wrap=(python3 scripts/qemu-userns.py env HARDENING_ADVERSARIAL_EVERY=4 HARDENING_FAULTS_EVERY=3)
  in_buildroot ${wrap[@]+"${wrap[@]}"} env HARDENING_RHEL_BIN_DIR="/src/target/bin/$1" \
    cargo test --no-fail-fast -p hardening-rhel-tests
}
step "integration tests x86_64: shipped binaries on sandbox roots" integration x86_64
step "integration tests aarch64: the aarch64 binaries under qemu-aarch64" integration aarch64

# The built artifact, installed into a private collections path: Molecule and ansible-lint use
# exactly what a user would install, never the source tree.
version=$(sed -n 's/^version: *//p' collection/galaxy.yml)
COLL=$(mktemp -d /var/tmp/hardening-collections.XXXXXX)
trap 'rm -rf "$COLL"' EXIT
export HARDENING_COLLECTIONS_PATH=$COLL ANSIBLE_COLLECTIONS_PATH=$COLL
# the changelog: fragments valid, CHANGELOG.md what they give, the version being built released
changelog() {
  local tmp version rc=0
  tmp=$(mktemp -d /var/tmp/hardening-changelog.XXXXXX)
  cp -a collection/. "$tmp/"
  (cd "$tmp" && antsibull-changelog lint && antsibull-changelog generate) || rc=1
  if [ $rc = 0 ] && ! cmp -s collection/CHANGELOG.md "$tmp/CHANGELOG.md"; then
    echo "collection/CHANGELOG.md is not what the fragments give (antsibull-changelog generate):"
    diff collection/CHANGELOG.md "$tmp/CHANGELOG.md" | head -20; rc=1
  fi
  version=$(sed -n 's/^version: *//p' collection/galaxy.yml)
  python3 -c 'import sys, yaml; sys.exit(sys.argv[2] not in yaml.safe_load(open(sys.argv[1]))["releases"])' \
    collection/changelogs/changelog.yaml "$version" || { echo "no release $version in changelog.yaml"; rc=1; }
  rm -rf "$tmp"
  [ $rc = 0 ] && echo "changelog: fragments valid, CHANGELOG.md generated from them, release $version"
  return $rc
}
step "changelog (antsibull-changelog lint, CHANGELOG.md as generated)" changelog
step "install the artifact" ansible-galaxy collection install --offline -p "$COLL" "$DIST/hardening-rhel-$version.tar.gz"
# ansible-test sanity on the collection as installed from the artifact (the documentation-only
# plugins/modules/<module>.py, the binaries in files/modules/<arch>/), every test, no ignore file.
# Its virtual environments are primed first (pip index), then the tests run with no network at all.
sanity() {
  local tmp py rc=0
  tmp=$(mktemp -d /var/tmp/hardening-sanity.XXXXXX)
  mkdir -p "$tmp/ansible_collections/hardening"
  cp -a "$COLL/ansible_collections/hardening/rhel" "$tmp/ansible_collections/hardening/rhel"
  rm -f "$tmp/ansible_collections/hardening/rhel/"{MANIFEST,FILES}.json   # the installer's, not ours
  py=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  (cd "$tmp/ansible_collections/hardening/rhel" &&
    ansible-test sanity --prime-venvs --local --python "$py" >/dev/null &&
    unshare -n ansible-test sanity --local --python "$py") || rc=1
  rm -rf "$tmp"
  return $rc
}
step "ansible-test sanity (every test, run without network)" sanity
step "ansible-lint (production profile)" ansible-lint --offline --profile production
docs_render() { # every module of the artifact renders in ansible-doc, with its examples
  local m out
  for m in $(modules); do
    out=$(ansible-doc -t module "hardening.rhel.$m") || { echo "ansible-doc failed for $m"; return 1; }
    grep -q "EXAMPLES" <<<"$out" || { echo "no examples rendered for $m"; return 1; }
    echo "hardening.rhel.$m: rendered"
  done
  # the role: every entry point, every variable of its argument specs
  out=$(ansible-doc -t role hardening.rhel.hardening) || { echo "ansible-doc -t role failed"; return 1; }
  for e in main harden audit; do
    grep -q "ENTRY POINT: \*$e\*" <<<"$out" || { echo "entry point $e not rendered"; return 1; }
  done
  # every default documented, nothing documented that is not a default
  local n
  n=$(python3 - collection/roles/hardening <<'PY'
import sys, yaml
role = sys.argv[1]
specs = yaml.safe_load(open(role + "/meta/argument_specs.yml"))["argument_specs"]
defaults = set(yaml.safe_load(open(role + "/defaults/main.yml")))
for entry, spec in specs.items():
    if set(spec["options"]) != defaults:
        sys.exit("entry point %s: documented but no default: %s; default but not documented: %s"
                 % (entry, set(spec["options"]) - defaults, defaults - set(spec["options"])))
print(len(defaults))
PY
) || { echo "$n"; return 1; }
  [ "$(grep -c '^- hardening_' <<<"$out")" -eq $((3 * n)) ] || { echo "not every variable rendered"; return 1; }
  echo "hardening.rhel.hardening (role): 3 entry points, $n variables each, rendered"
}
step "ansible-doc renders every module and the role of the artifact" docs_render
# Automation Hub's importer (galaxy-importer, pinned; ansible-doc and ansible-lint as there, no
# network): imports the artifact and lists every module, action plugin, the role and the playbooks
step "galaxy-importer (Automation Hub's importer) accepts the artifact" bash scripts/importer.sh "$DIST/hardening-rhel-$version.tar.gz"

# The docs site from the installed artifact (antsibull-docs + Sphinx, warnings are errors), built
# and checked in headless Chromium without network: every option of every module, every variable
# of the role, the examples.
docsite() {
  local out rc=0
  out=$(mktemp -d /var/tmp/hardening-docsite.XXXXXX)
  unshare -n bash docs/site/build.sh "$out/site" >/dev/null && unshare -n bash scripts/check-docsite.sh "$out/site/html" || rc=1
  rm -rf "$out"
  return $rc
}
step "docs site (antsibull-docs + Sphinx), checked in headless Chromium" docsite

IMAGE=$(timed bash molecule/image/build.sh | tail -n 1)
export HARDENING_TEST_IMAGE=$IMAGE
echo "test image: $IMAGE"
# the other firewalld / fapolicyd generations (docs/verification.md "Verified where"): the daemon-facing
# scenarios run a container of each beside the bookworm one
HARDENING_TEST_IMAGE_BULLSEYE=$(timed bash molecule/image/build.sh bullseye | tail -n 1)
HARDENING_TEST_IMAGE_TRIXIE=$(timed bash molecule/image/build.sh trixie | tail -n 1)
export HARDENING_TEST_IMAGE_BULLSEYE HARDENING_TEST_IMAGE_TRIXIE
echo "test images of the other generations: $HARDENING_TEST_IMAGE_BULLSEYE $HARDENING_TEST_IMAGE_TRIXIE"
# the references table is what SSG 0.1.76's datastreams say (fetched with the trixie image,
# scripts/ssg.sh; the ComplianceAsCode part is checked where that repository is at hand:
# scripts/gen-references.py --cac)
references() { local d; d=$(bash scripts/ssg.sh) && python3 scripts/gen-references.py --check --ssg "$d"; }
step "compliance references as derived from SSG 0.1.76's RHEL 8, 9 and 10 datastreams" references
step "accepted values read back by their real consumers (firewalld, fapolicyd, crypto-policies reader)" \
  bash tests/readback/run.sh "$IMAGE"
# The execution environment, built for real on a Debian base of our own (ee/build.sh), and harden
# and audit run through it as Automation Platform runs a job (ee/run.sh: ansible-runner with
# process isolation, SSH to a throwaway target)
# for the floor of requires_ansible (2.16, Automation Platform 2.5's) and the newest (2.21)
for core in 2.16.19 2.21.5; do
  step "execution environment with ansible-core $core: built, harden and audit run through it (ansible-runner)" bash ee/run.sh "$core"
done
# every ansible-core minor requires_ansible accepts (2.16 - 2.21): the baseline over SSH with the
# artifact, idempotence, check mode, audit, an ad hoc task from the binary cache, ansible-doc
step "ansible-core 2.16 - 2.21: harden, check, again, audit over SSH (scripts/compat.sh)" bash scripts/compat.sh
# the README's first command: audit, harden, audit a throwaway container; its fleet reports
# checked (JUnit against the host reports, the HTML rendered in headless Chromium)
step "demo (scripts/demo.sh): reports incl. JUnit XML and HTML in headless Chromium" bash scripts/demo.sh
HARDENING_TEST_IMAGE_NOPYTHON=$(timed bash molecule/image/build-nopython.sh "$IMAGE" | tail -n 1)
export HARDENING_TEST_IMAGE_NOPYTHON
echo "Python-free test image: $HARDENING_TEST_IMAGE_NOPYTHON"
# The real-kernel target (scenario realkernel): a Debian guest disk image for QEMU, built once
# and cached by recipe; each run boots a throwaway overlay of it.
HARDENING_VM_DIR=$(timed bash molecule/image/vm-build.sh | tail -n 1)
export HARDENING_VM_DIR
echo "guest image: $HARDENING_VM_DIR"

scenarios=("$@")
if [ ${#scenarios[@]} -eq 0 ]; then
  for f in molecule/*/molecule.yml; do scenarios+=("$(basename "$(dirname "$f")")"); done
fi
for s in "${scenarios[@]}"; do
  if [ -x "molecule/$s/run.sh" ]; then
    # a scenario that needs its own surroundings (arm64: a user namespace with qemu-aarch64)
    step "molecule scenario $s" bash "molecule/$s/run.sh"
  else
    step "molecule scenario $s" molecule test -s "$s"
  fi
done

log "summary ($(( $(date +%s) - start )) s)"
for f in "${failures[@]}"; do echo "failed: $f"; done
[ ${#details[@]} = 0 ] || printf '%s\n' "-- what failed (from each failed step's output)" "${details[@]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
