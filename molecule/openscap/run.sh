#!/usr/bin/env bash
# Agreement with an independent auditor (README "Agreement with OpenSCAP"): OpenSCAP with SSG's
# RHEL 9 datastream (Debian's ssg-nondebian) evaluates the SSG rules our controls map to on the
# same container as our audit, before and after hardening with the stig profile, and the verdicts
# are compared rule by rule (compare.py): every disagreement must be one documented in
# disagreements.yml (each also in the README), and every documented one must still occur.
# Needs: HARDENING_TEST_IMAGE, HARDENING_COLLECTIONS_PATH (the installed artifact; scripts/test.sh).
# Usage: molecule/openscap/run.sh [molecule test options]
source "$(dirname "$0")/../../scripts/env.sh"
HERE=$REPO/molecule/openscap
: "${HARDENING_TEST_IMAGE:?}" "${HARDENING_COLLECTIONS_PATH:?}"

# the test image plus the scanner, cached by what it is made of
tag=$(printf '%s\n' "$HARDENING_TEST_IMAGE" "$(cat "$HERE/Containerfile")" | sha256sum | cut -c1-12)
IMAGE=localhost/hardening-rhel-test-oscap:$tag
if ! podman image exists "$IMAGE"; then
  log "podman build: $IMAGE (the test image with openscap-scanner)"
  podman build -f "$HERE/Containerfile" --build-arg BASE="$HARDENING_TEST_IMAGE" -t "$IMAGE" "$HERE" >&2
fi

# SSG's RHEL 9 content made evaluable here, and a tailoring of the mapped rules per profile
# (stand-ins documented in standin-content.py): the values each profile asks, Debian's policy name
CONTENT=$(mktemp -d /var/tmp/hardening-openscap.XXXXXX)
trap 'rm -rf "$CONTENT"' EXIT
SSG=$(python3 "$REPO/scripts/gen-references.py" --ssg-dir)
REFS=$REPO/modules/security_facts/references.json
python3 "$HERE/standin-content.py" "$SSG/ssg-rhel9-ds.xml" "$CONTENT/ssg-rhel9-ds.xml" \
  "$CONTENT/tailoring-stig.xml" "$REFS" \
  var_selinux_state=enforcing var_selinux_policy_name=default var_system_crypto_policy=FIPS
python3 "$HERE/standin-content.py" "$SSG/ssg-rhel9-ds.xml" - "$CONTENT/tailoring-baseline.xml" "$REFS" \
  var_selinux_state=enforcing var_selinux_policy_name=default var_system_crypto_policy=DEFAULT:NO-SHA1

export HARDENING_OSCAP_IMAGE=$IMAGE HARDENING_OSCAP_CONTENT=$CONTENT
cd "$REPO"
molecule test -s openscap "$@"
