#!/usr/bin/env bash
# The main job, on a throwaway target: build the modules and the collection, start a Debian
# container with systemd, audit it (hardening.rhel.audit, from the installed artifact), show what
# hardening.rhel.harden would change (check mode, diff), harden it, prove a second run changes
# nothing, audit again, and print the posture
# before and after; the fleet reports are checked (JUnit XML, HTML rendered in headless Chromium).
# The container is removed at the end; the reports stay in dist/demo-report/.
source "$(dirname "$0")/env.sh"
cd "$REPO"
bash scripts/build.sh
IMAGE=$(bash molecule/image/build.sh | tail -n 1)
version=$(sed -n 's/^version: *//p' collection/galaxy.yml)

WORK=$(mktemp -d /var/tmp/hardening-demo.XXXXXX)
NAME=hardening-demo-$$
cleanup() { podman rm -f "$NAME" >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT
export ANSIBLE_COLLECTIONS_PATH=$WORK/collections
ansible-galaxy collection install --offline -p "$ANSIBLE_COLLECTIONS_PATH" "$DIST/hardening-rhel-$version.tar.gz" >/dev/null

log "starting the throwaway target $NAME ($IMAGE)"
podman run -d --name "$NAME" --hostname "$NAME" --privileged --systemd=always "$IMAGE" /sbin/init >/dev/null
printf '[targets]\n%s ansible_connection=containers.podman.podman ansible_python_interpreter=/usr/bin/python3\n' "$NAME" > "$WORK/inventory"
# The container's quirks, as in the Molecule scenario `baseline`: Debian names its SELinux policy
# `default`, and fapolicyd cannot drop privileges here.
cat > "$WORK/vars.yml" <<'VARS'
hardening_selinux_policy: default
hardening_fapolicyd_settings: {uid: root, gid: root}
VARS
run() { ansible-playbook -i "$WORK/inventory" -e @"$WORK/vars.yml" "$@"; }
REPORTS=$DIST/demo-report
rm -rf "$REPORTS"

log "audit before"
run hardening.rhel.audit -e hardening_report_dir="$REPORTS/before"
log "what harden.yml would change (check mode, diff)"
run hardening.rhel.harden --check --diff
log "harden"
run hardening.rhel.harden
log "second run: must change nothing"
run hardening.rhel.harden | tee "$WORK/second.log"
grep -Eq "changed=0 +unreachable=0 +failed=0" "$WORK/second.log"
log "audit after"
run hardening.rhel.audit -e hardening_report_dir="$REPORTS/after"

log "posture BEFORE ($REPORTS/before/$NAME.md)"
cat "$REPORTS/before/$NAME.md"
log "posture AFTER ($REPORTS/after/$NAME.md)"
cat "$REPORTS/after/$NAME.md"
log "the fleet reports: JUnit XML, HTML in headless Chromium"
bash scripts/check-reports.sh "$REPORTS/before" "$REPORTS/after"
echo
echo "second harden run: changed=0; reports (JSON, Markdown, JUnit XML, HTML with a screenshot fleet.png): $REPORTS"
