#!/usr/bin/env bash
# All tests: formatting and lints, unit tests, integration tests of the shipped (release)
# binaries against sandbox roots, the collection build, ansible-lint, and every Molecule
# scenario in a podman container against the built collection artifact.
# Usage: scripts/test.sh              every step in order (what .ci/run runs)
#        scripts/test.sh --list       the steps: id and what each checks
#        scripts/test.sh STEP...      those steps only (ids from --list; a Molecule scenario also
#                                     by its own name), after what they need: the artifact (built
#                                     when dist/ has none, else the one there), installed; the
#                                     test images, the Python-free image, the guest image
source "$(dirname "$0")/env.sh"
cd "$REPO"
start=$(date +%s)
passed=0
failed=0
failures=()
details=()

what_failed() { # what_failed LOG: the lines of a step's output that name what failed
  # (no match is no detail: grep's status must not end the run under set -e)
  { grep -E -e '^test .* FAILED$' -e 'panicked at' -e '^(fatal|failed): \[' \
      -e '^ERROR' -e '^error(\[|:)' -e '^[A-Za-z]*Error: ' -e '^PROBLEM' "$1" || true; } | head -12 | cut -c1-300
}
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
    details+=("$name:" "$(what_failed "$out")")
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

# timed CMD...: CMD, and how long it took (the preparations between the steps: setup, the
# build root, the test images, the guest image - a cold machine spends its time there)
timed() {
  local t0 rc=0; t0=$(date +%s)
  "$@" || rc=$?
  echo "-- took $(( $(date +%s) - t0 )) s: $*" >&2
  return $rc
}

version=$(sed -n 's/^version: *//p' collection/galaxy.yml)
ARTIFACT=$DIST/hardening-rhel-$version.tar.gz

# What steps need, made once, when the first step that needs it runs.
# need_build: the release binaries and the artifact - the build step's, or dist/'s when a step
# runs alone (said so; run the build step to rebuild)
need_build() {
  [ -z "${HAVE_BUILD:-}" ] || return 0
  if [ ! -f "$ARTIFACT" ]; then timed bash scripts/build.sh || return 1
  elif [ -z "${BUILT:-}" ]; then echo "using the existing build: $ARTIFACT (the step 'build' rebuilds it)"; fi
  HAVE_BUILD=1
}
# need_coll: the artifact installed into a private collections path: Molecule, ansible-lint and
# the rest use exactly what a user would install, never the source tree
need_coll() {
  [ -z "${COLL:-}" ] || return 0
  need_build || return 1
  COLL=$(mktemp -d /var/tmp/hardening-collections.XXXXXX)
  trap 'rm -rf "$COLL"' EXIT
  export HARDENING_COLLECTIONS_PATH=$COLL ANSIBLE_COLLECTIONS_PATH=$COLL
  ansible-galaxy collection install --offline -p "$COLL" "$ARTIFACT"
}
# need_images: the test image (bookworm) and those of the other firewalld / fapolicyd generations
# (docs/verification.md "Verified where"): the daemon-facing scenarios run a container of each
need_images() {
  [ -z "${IMAGE:-}" ] || return 0
  IMAGE=$(timed bash molecule/image/build.sh | tail -n 1) || return 1
  export HARDENING_TEST_IMAGE=$IMAGE
  echo "test image: $IMAGE"
  HARDENING_TEST_IMAGE_BULLSEYE=$(timed bash molecule/image/build.sh bullseye | tail -n 1) || return 1
  HARDENING_TEST_IMAGE_TRIXIE=$(timed bash molecule/image/build.sh trixie | tail -n 1) || return 1
  export HARDENING_TEST_IMAGE_BULLSEYE HARDENING_TEST_IMAGE_TRIXIE
  echo "test images of the other generations: $HARDENING_TEST_IMAGE_BULLSEYE $HARDENING_TEST_IMAGE_TRIXIE"
}
need_nopython() { # the Python-free test image (scenario baseline)
  [ -z "${HARDENING_TEST_IMAGE_NOPYTHON:-}" ] || return 0
  need_images || return 1
  HARDENING_TEST_IMAGE_NOPYTHON=$(timed bash molecule/image/build-nopython.sh "$IMAGE" | tail -n 1) || return 1
  export HARDENING_TEST_IMAGE_NOPYTHON
  echo "Python-free test image: $HARDENING_TEST_IMAGE_NOPYTHON"
}
# need_vm: the real-kernel target (scenario realkernel), a Debian guest disk image for QEMU, built
# once and cached by recipe; each run boots a throwaway overlay of it
need_vm() {
  [ -z "${HARDENING_VM_DIR:-}" ] || return 0
  HARDENING_VM_DIR=$(timed bash molecule/image/vm-build.sh | tail -n 1) || return 1
  export HARDENING_VM_DIR
  echo "guest image: $HARDENING_VM_DIR"
}

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
  python3 scripts/check-changelog-release.py collection/changelogs/changelog.yaml "$version" || rc=1
  rm -rf "$tmp"
  [ $rc = 0 ] && echo "changelog: fragments valid, CHANGELOG.md generated from them, release $version"
  return $rc
}
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
  n=$(python3 scripts/check-role-specs.py collection/roles/hardening) || { echo "$n"; return 1; }
  [ "$(grep -c '^- hardening_' <<<"$out")" -eq $((3 * n)) ] || { echo "not every variable rendered"; return 1; }
  echo "hardening.rhel.hardening (role): 3 entry points, $n variables each, rendered"
}
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
# the references table is what SSG 0.1.76's datastreams say (fetched with the trixie image,
# scripts/ssg.sh; the ComplianceAsCode part is checked where that repository is at hand:
# scripts/gen-references.py --cac)
references() { local d; d=$(bash scripts/ssg.sh) && python3 scripts/gen-references.py --check --ssg "$d"; }
scenario() { # scenario NAME: a Molecule scenario against the installed artifact
  if [ -x "molecule/$1/run.sh" ]; then
    # a scenario that needs its own surroundings (arm64: a user namespace with qemu-aarch64)
    bash "molecule/$1/run.sh"
  else
    molecule test -s "$1"
  fi
}

# The steps, in order: ID|NEEDS|WHAT. NEEDS: what is made before (build, coll, images; coll
# includes build). The commands are in run_step.
STEPS=(
  "fmt||cargo fmt --check"
  "clippy||cargo clippy -D warnings"
  "unit||unit tests x86_64 (cargo test)"
  "unit-aarch64||unit tests aarch64 (cargo test under qemu-aarch64)"
  "build||build: release binaries ($(echo $ARCHES), glibc $GLIBC) and collection artifact"
  "plugins||action plugins: the binary cache script and helpers (unittest)"
  "lockout-table||lockout documentation: every test its table names exists"
  "integration|build|integration tests x86_64: shipped binaries on sandbox roots"
  "integration-aarch64|build|integration tests aarch64: the aarch64 binaries under qemu-aarch64"
  "changelog||changelog (antsibull-changelog lint, CHANGELOG.md as generated)"
  "install|coll|the artifact installed (ansible-galaxy collection list)"
  "sanity|coll|ansible-test sanity (every test, run without network)"
  "lint|coll|ansible-lint (production profile)"
  "ansible-doc|coll|ansible-doc renders every module and the role of the artifact"
  "importer|build|galaxy-importer (Automation Hub's importer) accepts the artifact"
  "docsite|coll|docs site (antsibull-docs + Sphinx), checked in headless Chromium"
  "references|images|compliance references as derived from SSG 0.1.76's RHEL 8, 9 and 10 datastreams"
  "readback|images|accepted values read back by their real consumers (firewalld, fapolicyd, crypto-policies reader)"
  "ee-2.16|coll images|execution environment with ansible-core 2.16.19: built, harden and audit run through it (ansible-runner)"
  "ee-2.21|coll images|execution environment with ansible-core 2.21.5: built, harden and audit run through it (ansible-runner)"
  "compat|coll images|ansible-core 2.16 - 2.21: harden, check, again, audit over SSH (scripts/compat.sh)"
  "demo|coll images|demo (scripts/demo.sh): reports incl. JUnit XML and HTML in headless Chromium"
)
for f in molecule/*/molecule.yml; do
  s=$(basename "$(dirname "$f")")
  case $s in
    baseline) needs="coll images nopython" ;;   # its Python-free host
    realkernel) needs="coll vm" ;;
    *) needs="coll images" ;;
  esac
  STEPS+=("molecule-$s|$needs|molecule scenario $s")
done

run_step() { # run_step ID
  case $1 in
    fmt) in_buildroot cargo fmt --all --check ;;
    clippy) in_buildroot cargo clippy --workspace --all-targets --quiet -- -D warnings ;;
    unit) in_buildroot cargo test --workspace --exclude hardening-rhel-tests ;;
    unit-aarch64) in_buildroot cargo-zigbuild test --target "aarch64-unknown-linux-gnu.$GLIBC" --workspace --exclude hardening-rhel-tests ;;
    build) bash scripts/build.sh ;;
    # the action plugins' binary cache: its remote script run with /bin/sh against temporary homes
    # (symbolic links, foreign homes, writable directories refused before anything is created)
    plugins) "$VENV/bin/python3" -m unittest discover -s tests/plugins -v ;;
    # every test the lockout documentation's access-path table names exists
    lockout-table) python3 scripts/check-lockout-table.py ;;
    integration) integration x86_64 ;;
    integration-aarch64) integration aarch64 ;;
    changelog) changelog ;;
    install) ansible-galaxy collection list -p "$COLL" hardening.rhel ;;
    sanity) sanity ;;
    lint) ansible-lint --offline --profile production ;;
    ansible-doc) docs_render ;;
    # Automation Hub's importer (galaxy-importer, pinned; ansible-doc and ansible-lint as there, no
    # network): imports the artifact and lists every module, action plugin, the role and the playbooks
    importer) bash scripts/importer.sh "$ARTIFACT" ;;
    docsite) docsite ;;
    references) references ;;
    readback) bash tests/readback/run.sh "$IMAGE" ;;
    # The execution environment, built for real on a Debian base of our own (ee/build.sh), and
    # harden and audit run through it as Automation Platform runs a job (ee/run.sh: ansible-runner
    # with process isolation, SSH to a throwaway target), for the floor of requires_ansible (2.16,
    # Automation Platform 2.5's) and the newest (2.21)
    ee-2.16) bash ee/run.sh 2.16.19 ;;
    ee-2.21) bash ee/run.sh 2.21.5 ;;
    # every ansible-core minor requires_ansible accepts (2.16 - 2.21): the baseline over SSH with
    # the artifact, idempotence, check mode, audit, an ad hoc task from the binary cache, ansible-doc
    compat) bash scripts/compat.sh ;;
    # the README's first command: audit, harden, audit a throwaway container; its fleet reports
    # checked (JUnit against the host reports, the HTML rendered in headless Chromium)
    demo) bash scripts/demo.sh ;;
    molecule-*) scenario "${1#molecule-}" ;;
    *) echo "no step $1"; return 2 ;;
  esac
}

if [ "${1:-}" = --list ]; then
  for e in "${STEPS[@]}"; do printf '%-22s %s\n' "${e%%|*}" "${e##*|}"; done
  exit 0
fi
# the steps asked for (default: all); a bare scenario name is its molecule- step
want=()
lane_ids=()
lane_names=()
for a in "$@"; do
  if [ -f "molecule/$a/molecule.yml" ]; then a=molecule-$a; fi
  printf '%s\n' "${STEPS[@]}" | grep -q "^$a|" || { echo "scripts/test.sh: no step '$a' (scripts/test.sh --list)" >&2; exit 2; }
  want+=("$a")
done

log "setup"
timed bash scripts/setup.sh
timed bash scripts/buildroot.sh >/dev/null

for e in "${STEPS[@]}"; do
  id=${e%%|*}; rest=${e#*|}; needs=${rest%%|*}; name=${rest#*|}
  if [ ${#want[@]} -gt 0 ] && [[ " ${want[*]} " != *" $id "* ]]; then continue; fi
  prep_ok=1
  for n in $needs; do
    if ! "need_$n"; then prep_ok=0; fi
  done
  if [ $prep_ok = 0 ]; then
    failed=$((failed + 1)); failures+=("$name (what it needs could not be made)")
    echo "-- FAILED: $name: what it needs ($needs) could not be made"
    continue
  fi
  if [[ $id == molecule-* ]]; then lane_ids+=("$id"); lane_names+=("$name"); continue; fi
  step "$name" run_step "$id"
  # (a step runs in a subshell: what it makes for later steps is noted here)
  if [ "$id" = build ]; then BUILT=1 HAVE_BUILD=1; fi
done

# The Molecule scenarios, in lanes (HARDENING_TEST_LANES, default 1: one after the other): each
# lane takes the next scenario not yet taken, the longest first (MOLECULE_ORDER). Every scenario
# has its own containers, names, ports and Molecule directory, so two lanes work; they are not the
# default because they were not faster: in the first CI run with two (dc8154a), realkernel's QEMU
# guest (TCG, both cores) beside the container scenarios made both about three times slower
# (its relabel boot alone over 14 min). A line is printed as each scenario ends; their output, in
# order, after the last.
MOLECULE_ORDER="realkernel anchor openscap firewalld_zone lockout stig delivery baseline fips fapolicyd arm64 chroot bootc crypto_policy selinux"
if [ ${#lane_ids[@]} -gt 0 ]; then
  queue=()
  for s in $MOLECULE_ORDER; do
    for i in "${!lane_ids[@]}"; do [ "${lane_ids[$i]}" = "molecule-$s" ] && queue+=("$i"); done
  done
  for i in "${!lane_ids[@]}"; do [[ " ${queue[*]} " == *" $i "* ]] || queue+=("$i"); done
  LD=$(mktemp -d /var/tmp/hardening-lanes.XXXXXX)
  echo 0 > "$LD/next"
  lanes=${HARDENING_TEST_LANES:-1}
  log "Molecule scenarios: ${#queue[@]} in $lanes lanes"
  lane() { # lane N: take the next scenario until none is left
    local k i t0 rc
    while true; do
      k=$(flock "$LD/next" sh -c 'n=$(cat "$1"); echo $((n + 1)) > "$1"; echo "$n"' sh "$LD/next")
      [ "$k" -lt "${#queue[@]}" ] || break
      i=${queue[$k]}
      t0=$(date +%s)
      echo "-- lane $1: ${lane_names[$i]}"
      if run_step "${lane_ids[$i]}" > "$LD/$i.log" 2>&1; then rc=0; else rc=$?; fi
      echo "$rc $(( $(date +%s) - t0 ))" > "$LD/$i.rc"
      if [ "$rc" = 0 ]; then echo "-- ok: ${lane_names[$i]} ($(( $(date +%s) - t0 )) s, lane $1)"
      else echo "-- FAILED: ${lane_names[$i]} ($(( $(date +%s) - t0 )) s, lane $1)"; fi
    done
  }
  t_lanes=$(date +%s)
  pids=()
  for n in $(seq 1 "$lanes"); do lane "$n" & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p" || true; done
  for i in "${!lane_ids[@]}"; do
    log "${lane_names[$i]} (its output)"
    cat "$LD/$i.log" 2>/dev/null || true
    read -r rc secs < "$LD/$i.rc" 2>/dev/null || { rc=1; secs=0; }
    if [ "$rc" = 0 ]; then passed=$((passed + 1)); echo "-- ok: ${lane_names[$i]} ($secs s)"
    else failed=$((failed + 1)); failures+=("${lane_names[$i]}"); echo "-- FAILED: ${lane_names[$i]} ($secs s)"
      details+=("${lane_names[$i]}:" "$(what_failed "$LD/$i.log")"); fi
  done
  echo "-- took $(( $(date +%s) - t_lanes )) s: the Molecule scenarios in $lanes lanes"
  rm -rf "$LD"
fi

log "summary ($(( $(date +%s) - start )) s)"
for f in "${failures[@]}"; do echo "failed: $f"; done
[ ${#details[@]} = 0 ] || printf '%s\n' "-- what failed (from each failed step's output)" "${details[@]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
