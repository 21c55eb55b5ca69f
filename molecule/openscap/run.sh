#!/usr/bin/env bash
# Agreement with an independent auditor (docs/verification.md "Agreement with OpenSCAP"): OpenSCAP with SSG
# 0.1.76's RHEL 8, 9 and 10 datastreams (Debian trixie's ssg-nondebian) evaluates the SSG rules our
# controls map to on the same container as our audit, before and after hardening with the stig profile, and the verdicts
# are compared rule by rule (compare.py): every disagreement must be one documented in
# disagreements.yml (each also in docs/verification.md), and every documented one must still occur.
# Needs: HARDENING_TEST_IMAGE, HARDENING_COLLECTIONS_PATH (the installed artifact; scripts/test.sh).
# Usage: molecule/openscap/run.sh [molecule test options]
source "$(dirname "$0")/../../scripts/env.sh"
HERE=$REPO/molecule/openscap
: "${HARDENING_TEST_IMAGE:?}" "${HARDENING_TEST_IMAGE_TRIXIE:?}" "${HARDENING_COLLECTIONS_PATH:?}"

# the test image plus the scanner, cached by what it is made of
oscap_image() { # oscap_image BASE: prints the image
  local tag img
  tag=$(printf '%s\n' "$1" "$(cat "$HERE/Containerfile")" | sha256sum | cut -c1-12)
  img=localhost/hardening-rhel-test-oscap:$tag
  if ! podman image exists "$img"; then
    log "podman build: $img (the test image $1 with openscap-scanner)" >&2
    podman build -f "$HERE/Containerfile" --build-arg BASE="$1" -t "$img" "$HERE" >&2
  fi
  echo "$img"
}
IMAGE=$(oscap_image "$HARDENING_TEST_IMAGE")
IMAGE_TRIXIE=$(oscap_image "$HARDENING_TEST_IMAGE_TRIXIE")

# SSG 0.1.76's RHEL 8, 9 and 10 content (scripts/ssg.sh) made evaluable here, and a tailoring of
# the mapped rules per profile (stand-ins documented in standin-content.py): the values each
# profile asks, Debian's policy name; a directory per content, named by the label the scenario
# uses (molecule.yml: openscap_contents)
CONTENT=$(mktemp -d /var/tmp/hardening-openscap.XXXXXX)
trap 'rm -rf "$CONTENT"' EXIT
SSG=$(bash "$REPO/scripts/ssg.sh")
REFS=$REPO/modules/security_facts/references.json
for v in 8 9 10; do
  d=$CONTENT/rhel$v-0.1.76
  mkdir -p "$d"
  python3 "$HERE/standin-content.py" "$SSG/ssg-rhel$v-ds.xml" "$d/ssg-rhel$v-ds.xml" \
    "$d/tailoring-stig.xml" "$REFS" \
    var_selinux_state=enforcing var_selinux_policy_name=default var_system_crypto_policy=FIPS
  python3 "$HERE/standin-content.py" "$SSG/ssg-rhel$v-ds.xml" - "$d/tailoring-baseline.xml" "$REFS" \
    var_selinux_state=enforcing var_selinux_policy_name=default var_system_crypto_policy=DEFAULT:NO-SHA1
done

export HARDENING_OSCAP_IMAGE=$IMAGE HARDENING_OSCAP_CONTENT=$CONTENT
export HARDENING_OSCAP_IMAGE_TRIXIE=$IMAGE_TRIXIE
cd "$REPO"
molecule test -s openscap "$@"
