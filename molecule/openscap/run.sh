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

# trixie's ssg-nondebian (SSG 0.1.76: RHEL 8, 9 and 10 datastreams), fetched once with the trixie
# image's own APT sources (the machine's Debian mirror) into $CACHE/ssg-trixie
SSG76=$CACHE/ssg-trixie
if ! ls "$SSG76"/*/ssg-rhel10-ds.xml >/dev/null 2>&1; then
  mkdir -p "$SSG76"
  podman run --rm -v "$SSG76:/out" "$HARDENING_TEST_IMAGE_TRIXIE" sh -c \
    'apt-get update -qq && cd /out && apt-get download -qq ssg-nondebian' >&2
  deb=$(ls "$SSG76"/ssg-nondebian_*_all.deb | tail -n 1)
  v=$(dpkg-deb -f "$deb" Version)
  mkdir -p "$SSG76/$v"
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$SSG76/$v" --strip-components=7 \
    ./usr/share/xml/scap/ssg/content/ssg-rhel8-ds.xml ./usr/share/xml/scap/ssg/content/ssg-rhel9-ds.xml \
    ./usr/share/xml/scap/ssg/content/ssg-rhel10-ds.xml
fi
SSG76_DIR=$(ls -d "$SSG76"/*/ | tail -n 1)
mkdir -p "$CONTENT/trixie"
python3 "$HERE/standin-content.py" "$SSG76_DIR/ssg-rhel10-ds.xml" "$CONTENT/trixie/ssg-rhel10-ds.xml" \
  "$CONTENT/trixie/tailoring-stig.xml" "$REFS" \
  var_selinux_state=enforcing var_selinux_policy_name=default var_system_crypto_policy=FIPS
python3 "$HERE/standin-content.py" "$SSG76_DIR/ssg-rhel10-ds.xml" - "$CONTENT/trixie/tailoring-baseline.xml" "$REFS" \
  var_selinux_state=enforcing var_selinux_policy_name=default var_system_crypto_policy=DEFAULT:NO-SHA1

export HARDENING_OSCAP_IMAGE=$IMAGE HARDENING_OSCAP_CONTENT=$CONTENT
export HARDENING_OSCAP_IMAGE_TRIXIE=$IMAGE_TRIXIE HARDENING_OSCAP_CONTENT_TRIXIE=$CONTENT/trixie
cd "$REPO"
molecule test -s openscap "$@"
