#!/usr/bin/env bash
# Wall time of one zone (10 services, 10 ports, 5 rich rules) reached with ansible.posix.firewalld
# (one module execution per item) and with hardening.rhel.firewalld_zone (one task), in the same
# container with firewalld running; first run and idempotent run of each. Before each tool's
# first run the zone is reset to its built-in defaults and firewalld reloaded.
# Usage: scripts/perf-firewalld.sh [rounds]   (prints a Markdown table; default 3 rounds)
source "$(dirname "$0")/env.sh"
cd "$REPO"
ROUNDS=${1:-3}
bash scripts/build.sh >/dev/null
IMAGE=$(bash molecule/image/build.sh | tail -n 1)
version=$(sed -n 's/^version: *//p' collection/galaxy.yml)
WORK=$(mktemp -d /var/tmp/hardening-perf.XXXXXX)
NAME=hardening-perf-$$
cleanup() { podman rm -f "$NAME" >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT
export ANSIBLE_COLLECTIONS_PATH=$WORK/collections
ansible-galaxy collection install --offline -p "$ANSIBLE_COLLECTIONS_PATH" "$DIST/hardening-rhel-$version.tar.gz" >/dev/null
podman run -d --name "$NAME" --privileged --systemd=always "$IMAGE" /sbin/init >/dev/null
printf '[t]\n%s ansible_connection=containers.podman.podman ansible_python_interpreter=/usr/bin/python3\n' "$NAME" > "$WORK/inventory"
for _ in $(seq 30); do podman exec "$NAME" firewall-cmd --state >/dev/null 2>&1 && break; sleep 1; done

reset() {
  podman exec "$NAME" rm -f /etc/firewalld/zones/internal.xml /etc/firewalld/zones/internal.xml.old
  podman exec "$NAME" firewall-cmd --reload >/dev/null
}
timed() { # playbook → seconds; fails unless the run's changed count is as expected ($2: any|zero)
  local start end out
  start=$(date +%s.%N)
  out=$(ansible-playbook -i "$WORK/inventory" "tests/perf/$1") || { echo "$out" >&2; return 1; }
  end=$(date +%s.%N)
  if [[ $2 == zero ]] && ! grep -q 'changed=0 ' <<<"$out"; then echo "$out" >&2; echo "not idempotent: $1" >&2; return 1; fi
  if [[ $2 == some ]] && grep -q 'changed=0 ' <<<"$out"; then echo "$out" >&2; echo "first run changed nothing: $1" >&2; return 1; fi
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }'
}
listing() { podman exec "$NAME" firewall-cmd --zone internal --list-all; podman exec "$NAME" firewall-cmd --permanent --zone internal --list-all; }

echo "| tool | round | first run (s) | idempotent run (s) |"
echo "|---|---|---|---|"
for r in $(seq "$ROUNDS"); do
  for tool in posix ours; do
    reset
    first=$(timed "firewalld_$tool.yml" some)
    second=$(timed "firewalld_$tool.yml" zero)
    listing > "$WORK/state-$tool"
    echo "| $tool | $r | $first | $second |"
  done
  # both reached the same state (runtime and permanent listings)
  if ! diff <(sed 's/^internal.*//' "$WORK/state-posix" | tr ' ' '\n' | sort) <(sed 's/^internal.*//' "$WORK/state-ours" | tr ' ' '\n' | sort) >&2; then
    echo "the two tools did not reach the same state" >&2; exit 1
  fi
done
