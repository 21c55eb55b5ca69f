#!/usr/bin/env bash
# The image-mode proof (docs/images.md): two images `podman build`-hardened at build time from the
# test image standing in for a bootc base - one with hardening-rhel and a profile (Containerfile, no
# Ansible in the image), one with the shipped playbook through `ansible-playbook -c local`
# (Containerfile.ansible). Their files are checked (image-files.sh, check-files.py) and must be the
# same in both (the hardening RUNs are never taken from the layer cache: the bind-mounted
# collection is not part of its key), then
# `molecule test -s bootc` boots both with systemd: the audit is compliant except what waits for
# the first boot, a second harden changes nothing, and hardening-rhel run again changes nothing.
# Needs: HARDENING_TEST_IMAGE, HARDENING_COLLECTIONS_PATH (the installed artifact; scripts/test.sh).
# Usage: molecule/bootc/run.sh [molecule test options]
source "$(dirname "$0")/../../scripts/env.sh"
HERE=$REPO/molecule/bootc
: "${HARDENING_TEST_IMAGE:?}" "${HARDENING_COLLECTIONS_PATH:?}"
COLL=$HARDENING_COLLECTIONS_PATH/ansible_collections/hardening/rhel
CTX=$(mktemp -d /var/tmp/hardening-bootc.XXXXXX)
trap 'rm -rf "$CTX"' EXIT
cp -a "$COLL" "$CTX/hardening.rhel"

# what these containers need and a bootc image with FIPS from its first boot: the same variables
# for both ways (Debian's policy type is `default`; fapolicyd cannot drop privileges here)
VARS='{"hardening_fips": true, "hardening_selinux_policy": "default",
       "hardening_fapolicyd_settings": {"uid": "root", "gid": "root"}}'
python3 "$REPO/scripts/gen-profile.py" baseline "$VARS" > "$CTX/profile.json"

T=localhost/hardening-rhel-bootc
t0=$(date +%s)
log "podman build: the stand-in for a bootc base ($T-base)"
podman build --network none -f "$HERE/Containerfile.base" --build-arg BASE="$HARDENING_TEST_IMAGE" \
  -t "$T-base:test" "$CTX" >&2
log "podman build: hardening-rhel with a profile ($T-cli)"
podman build --no-cache --network none -f "$HERE/Containerfile" --build-arg BASE="$T-base:test" \
  --build-arg PROFILE=/mnt/hardening/profile.json -t "$T-cli:test" "$CTX" >&2
log "podman build: ansible-playbook -c local harden.yml ($T-ansible)"
# the venv's interpreter may live outside it (pyenv): mounted too, at the same path
PYBASE=$("$VENV/bin/python3" -c 'import sys; print(sys.base_prefix)')
mounts=(-v "$VENV:$VENV:ro")
[ "$PYBASE" = /usr ] || mounts+=(-v "$PYBASE:$PYBASE:ro")
podman build --no-cache --network none -f "$HERE/Containerfile.ansible" --build-arg BASE="$T-base:test" \
  --build-arg ANSIBLE_PLAYBOOK="$VENV/bin/ansible-playbook" --build-arg EXTRA_VARS="$VARS" \
  "${mounts[@]}" -v "$HARDENING_COLLECTIONS_PATH:/mnt/collections:ro" \
  -t "$T-ansible:test" "$CTX" >&2
echo "image builds: $(( $(date +%s) - t0 )) s"

files() { # files IMAGE: the hardened files' listing (image-files.sh), without booting the image
  podman run --rm --network none -v "$HERE/image-files.sh:/mnt/image-files.sh:ro" "$1" \
    /bin/sh /mnt/image-files.sh
}
files "$T-cli:test" > "$CTX/cli.txt"
files "$T-ansible:test" > "$CTX/ansible.txt"
python3 "$HERE/check-files.py" "$CTX/cli.txt" "$CTX/ansible.txt"

export HARDENING_BOOTC_IMAGE_CLI=$T-cli:test HARDENING_BOOTC_IMAGE_ANSIBLE=$T-ansible:test
export HARDENING_BOOTC_CTX=$CTX
cd "$REPO"
molecule test -s bootc "$@" 2>&1 | tee "$CTX/molecule.log"
[ "${PIPESTATUS[0]}" = 0 ] || exit 1
# the harden run on the booted images (converge) changed nothing: its recap, both hosts
recap=$(sed -n '/\[bootc > converge\] Executing/,/\[bootc > converge\] Executed/p' "$CTX/molecule.log" \
  | grep -E '^bootc-(cli|ansible) +: ' || true)
echo "converge recap:"; echo "$recap"
[ "$(grep -c ' changed=0 .* failed=0 ' <<<"$recap")" = 2 ] || { echo "harden changed the booted images" >&2; exit 1; }
