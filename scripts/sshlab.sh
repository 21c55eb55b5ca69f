#!/usr/bin/env bash
# A fleet of throwaway SSH targets for benchmarks and manual tests: N containers of the test image
# (systemd, firewalld running with 2222/tcp open, fapolicyd running permissive), sshd on port 2222 published on 127.0.0.1:<base+i>,
# user admin with an Ed25519 key and password-less sudo. Nothing on the host but the containers.
#   scripts/sshlab.sh up N [IMAGE]   start hosts 1..N (existing ones are kept); prints the inventory path
#   scripts/sshlab.sh down           remove them all
# Environment: SSHLAB_DIR (default /var/tmp/hardening-sshlab), SSHLAB_PORT_BASE (default 23000),
# SSHLAB_PREFIX (the containers' name prefix, default hrlab: labs of other prefixes are left alone).
source "$(dirname "$0")/env.sh"
set -euo pipefail
dir=${SSHLAB_DIR:-/var/tmp/hardening-sshlab}
base=${SSHLAB_PORT_BASE:-23000}
prefix=${SSHLAB_PREFIX:-hrlab}
cmd=${1:?usage: sshlab.sh up N [IMAGE] | down}

if [ "$cmd" = down ]; then
  mapfile -t names < <(podman ps -a --format '{{.Names}}' | grep "^$prefix-" || true)
  [ ${#names[@]} -eq 0 ] || podman rm -f -t 0 "${names[@]}" >/dev/null
  rm -rf "$dir"
  exit 0
fi

n=${2:?how many hosts}
image=${3:-${HARDENING_TEST_IMAGE:-}}
[ -n "$image" ] || image=$(bash "$REPO/molecule/image/build.sh" | tail -n 1)
mkdir -p "$dir"
[ -f "$dir/id_admin" ] || ssh-keygen -q -N "" -t ed25519 -C admin@sshlab -f "$dir/id_admin"
pub=$(cat "$dir/id_admin.pub")

setup() { # NAME: sshd on 2222, user admin with the key and sudo
  podman exec -i "$1" /bin/bash -s <<EOF
set -e
echo 'Port 2222' > /etc/ssh/sshd_config.d/10-port.conf
id admin >/dev/null 2>&1 || useradd -m -s /bin/bash admin
install -d -m 0700 -o admin -g admin /home/admin/.ssh
echo '$pub' > /home/admin/.ssh/authorized_keys
chown admin:admin /home/admin/.ssh/authorized_keys; chmod 0600 /home/admin/.ssh/authorized_keys
echo 'admin ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/admin; chmod 0440 /etc/sudoers.d/admin
systemctl restart ssh 2>/dev/null || systemctl restart sshd
# what \`semanage port -a -t ssh_port_t -p tcp 2222\` records (no semanage in the image): the
# selinux lockout guard refuses enforcing with sshd on an unlabelled port
mkdir -p /var/lib/selinux/default/active
echo 'portcon tcp 2222 system_u:object_r:ssh_port_t:s0' > /var/lib/selinux/default/active/ports.local
# fapolicyd running permissive (uid root: it cannot drop privileges in these containers), the
# SSH session's programs trusted by a file: Debian's fapolicyd has no package back end, RHEL's
# rpmdb trusts them (the fapolicyd lockout guard judges them)
sed -i -e 's/^permissive *=.*/permissive = 1/' -e 's/^uid *=.*/uid = root/' -e 's/^gid *=.*/gid = root/' /etc/fapolicyd/fapolicyd.conf
for p in /usr/bin/bash /usr/bin/dash /usr/sbin/sshd /usr/bin/sudo /usr/bin/systemctl; do
  echo "\$p \$(stat -c %s \$p) \$(sha256sum < \$p | cut -d' ' -f1)"
done > /etc/fapolicyd/trust.d/system-programs
systemctl enable -q fapolicyd; systemctl restart fapolicyd
# firewalld runs in the image: open 2222 (the baseline's zone must then list 2222/tcp too)
if systemctl -q is-active firewalld; then
  firewall-cmd -q --permanent --add-port=2222/tcp && firewall-cmd -q --reload
fi
EOF
}

# systemd in every container takes inotify instances; the kernel's default of 128 per user runs
# out at about 20 containers (systemd then hangs, later containers exit 255). A runtime setting
# of the benchmark machine, raised only as far as needed and said here; nothing is written to /etc.
need=$(( n * 8 + 64 ))
have=$(cat /proc/sys/fs/inotify/max_user_instances)
if [ "$have" -lt "$need" ]; then
  echo "sshlab: fs.inotify.max_user_instances $have -> $need (runtime only) for $n containers" >&2
  echo "$need" > /proc/sys/fs/inotify/max_user_instances
fi
for i in $(seq 1 "$n"); do
  name=$prefix-$i
  if ! podman container exists "$name"; then
    podman run -d --name "$name" --hostname "$name" --privileged --systemd=always \
      -p "127.0.0.1:$((base + i)):2222" "$image" /sbin/init >/dev/null
  fi
done
for i in $(seq 1 "$n"); do
  name=$prefix-$i
  # firewalld up (the image's boot-time fapolicyd start hangs until systemd's timeout, so the
  # system state stays "starting" for a while: not waited for)
  for _ in $(seq 1 120); do
    podman exec "$name" firewall-cmd -q --state 2>/dev/null && break
    sleep 0.5
  done
  setup "$name"
done

{
  echo "[lab]"
  for i in $(seq 1 "$n"); do echo "$prefix-$i ansible_port=$((base + i))"; done
  cat <<EOF
[lab:vars]
ansible_connection=ssh
ansible_host=127.0.0.1
ansible_user=admin
ansible_become=true
ansible_ssh_private_key_file=$dir/id_admin
ansible_ssh_common_args=-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
ansible_python_interpreter=/usr/bin/python3
EOF
} > "$dir/inventory.ini"
echo "$dir/inventory.ini"
