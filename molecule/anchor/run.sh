#!/usr/bin/env bash
# Against SSG's own playbook (docs/verification.md "Against SSG's own playbook"): the anchor image (Containerfile:
# the test image plus the stand-ins SSG's playbook needs on Debian, cached by what it is made of),
# SSG 0.1.76's rhel9-playbook-stig.yml and its RHEL 9 content made evaluable here (scripts/ssg.sh,
# molecule/openscap/standin-content.py), then the scenario.
# Needs: HARDENING_TEST_IMAGE_TRIXIE, HARDENING_COLLECTIONS_PATH (the installed artifact; scripts/test.sh).
# Usage: molecule/anchor/run.sh [molecule test options]
source "$(dirname "$0")/../../scripts/env.sh"
HERE=$REPO/molecule/anchor
: "${HARDENING_TEST_IMAGE_TRIXIE:?}" "${HARDENING_COLLECTIONS_PATH:?}"

tag=$(printf '%s\n' "$HARDENING_TEST_IMAGE_TRIXIE" "$(cat "$HERE/Containerfile")" | sha256sum | cut -c1-12)
IMAGE=localhost/hardening-rhel-test-anchor:$tag
if ! podman image exists "$IMAGE"; then
  log "podman build: $IMAGE (the test image with SSG playbook stand-ins and openscap-scanner)"
  podman build -f "$HERE/Containerfile" --build-arg BASE="$HARDENING_TEST_IMAGE_TRIXIE" -t "$IMAGE" "$HERE"
fi

CONTENT=$(mktemp -d /var/tmp/hardening-anchor.XXXXXX)
trap 'rm -rf "$CONTENT"' EXIT
SSG=$(bash "$REPO/scripts/ssg.sh")
deb=$(ls "$(dirname "$SSG")"/ssg-nondebian_0.1.76*_all.deb | tail -n 1)
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$CONTENT" --strip-components=5 \
  ./usr/share/scap-security-guide/ansible/rhel9-playbook-stig.yml
python3 "$REPO/molecule/openscap/standin-content.py" "$SSG/ssg-rhel9-ds.xml" "$CONTENT/ssg-rhel9-ds.xml" \
  "$CONTENT/tailoring-stig.xml" "$REPO/modules/security_facts/references.json" \
  var_selinux_state=enforcing var_selinux_policy_name=default var_system_crypto_policy=FIPS

export HARDENING_ANCHOR_IMAGE=$IMAGE HARDENING_ANCHOR_CONTENT=$CONTENT
cd "$REPO"
molecule test -s anchor "$@"
