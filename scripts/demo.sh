#!/usr/bin/env bash
# The main job, on a throwaway target: build the modules and the collection, start a Debian
# container with systemd, show its posture (SELinux, crypto policy), harden it with playbooks/harden.yml, show
# the posture again and prove a second run changes nothing. The container is removed at the end.
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

posture() {
  log "posture $1"
  podman exec "$NAME" sh -c 'echo "configured: $(grep -E "^(SELINUX|SELINUXTYPE)=" /etc/selinux/config | tr "\n" " ")"; \
    echo "running kernel: $(cat /sys/fs/selinux/enforce 2>/dev/null | sed "s/1/enforcing/;s/0/permissive/" || true)$( [ -e /sys/fs/selinux/enforce ] || echo "SELinux disabled (no selinuxfs: containers share the host kernel)")"; \
    echo "relabel scheduled: $( [ -e /.autorelabel ] && echo yes || echo no)"; \
    echo "crypto policy: configured $(cat /etc/crypto-policies/config), applied $(cat /etc/crypto-policies/state/current)"'
}

posture before
log "what harden.yml would change (check mode, diff)"
ansible-playbook -i "$WORK/inventory" playbooks/harden.yml --check --diff
log "harden"
ansible-playbook -i "$WORK/inventory" playbooks/harden.yml
posture after
log "second run: must change nothing"
ansible-playbook -i "$WORK/inventory" playbooks/harden.yml | tee "$WORK/second.log"
grep -Eq "changed=0 +unreachable=0 +failed=0" "$WORK/second.log"
echo "second run: changed=0"
