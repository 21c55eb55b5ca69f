#!/usr/bin/env bash
# Benchmarks over real SSH (docs/performance.md has the figures and how they were taken).
#   scripts/bench.sh tasks [K]          per task, one loopback SSH host: raw, ping, setup (min), a
#                                       no-op binary module, every hardening.rhel module cached,
#                                       uncached and with pipelining off, ansible.posix equivalents;
#                                       medians of K executions (default 25)
#   scripts/bench.sh fleet "1 10 25 50" the baseline (harden.yml first run, idempotent run, audit.yml)
#                                       at forks = hosts: wall time, controller CPU, ssh processes
#   scripts/bench.sh lsr DIR ["1 10"]   the linux-system-roles selinux, crypto_policies, firewall and
#                                       fapolicyd (clones in DIR) set to the baseline's end state,
#                                       first run and idempotent, against harden.yml on the same hosts
# Targets: scripts/sshlab.sh containers (started here, removed at the end unless BENCH_KEEP=1).
# Uses the built collection artifact (dist/), installed into a private path.
source "$(dirname "$0")/env.sh"
set -euo pipefail
cd "$REPO"
what=${1:?usage: bench.sh tasks [K] | fleet "N ..." | lsr DIR "N ..."}
out=${BENCH_OUT:-/var/tmp/hardening-bench}
mkdir -p "$out"
bench=$REPO/tests/perf/bench
version=$(sed -n 's/^version: *//p' collection/galaxy.yml)
[ -f "$DIST/hardening-rhel-$version.tar.gz" ] || bash scripts/build.sh
coll=$(mktemp -d /var/tmp/hardening-bench-coll.XXXXXX)
ansible-galaxy collection install --offline -p "$coll" "$DIST/hardening-rhel-$version.tar.gz" >/dev/null
export ANSIBLE_COLLECTIONS_PATH=$coll
# every ssh/sftp/scp client process Ansible starts is logged by the wrapper
export BENCH_SSH_LOG=$out/ssh.log
sshargs=(-e "ansible_ssh_executable=$bench/ssh" -e "ansible_sftp_executable=$bench/sftp" -e "ansible_scp_executable=$bench/scp")
export ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_DEPRECATION_WARNINGS=False
cleanup() { rm -rf "$coll"; [ "${BENCH_KEEP:-0}" = 1 ] || bash scripts/sshlab.sh down; }
trap cleanup EXIT

# the hosts 1..N back to the state before the baseline (tests/perf/bench/reset.sh), unmeasured
reset_hosts() {
  ansible -i "$1" "lab[0:$(($2 - 1))]" -f "$2" -m ansible.builtin.script -a "$bench/reset.sh" >/dev/null
}
# posture INVENTORY LABEL: host 1's end state against the baseline (tests/perf/bench/posture.yml)
posture() {
  echo "$2:" | tee -a "$out/lsr.txt"
  ansible-playbook -i "$1" -l hrlab-1 "${sshargs[@]}" \
    -e "@$bench/fleet_vars.yml" "$bench/posture.yml" > "$out/posture.log" 2>&1 \
    || { echo "posture failed (see $out/posture.log)"; exit 1; }
  grep -o 'POSTURE .*' "$out/posture.log" | sed 's/"$//' | tee -a "$out/lsr.txt"
}
# measure OUT INVENTORY N PIPELINING LABEL ANSIBLE-PLAYBOOK-ARGS...: one playbook run on hosts 1..N
# at forks = N; wall time, controller CPU (ansible-playbook and every child: ssh, workers),
# ssh client processes, task results per host (ok + failed of the recap: ok counts changed, and
# controller-only tasks such as set_fact count too)
measure() {
  local file=$1 inv=$2 n=$3 pipelining=$4 label=$5 log wall user sys ssh recap execs
  shift 5
  log=$out/$label-$n-$pipelining.log
  : > "$BENCH_SSH_LOG"
  /usr/bin/time -o "$out/time" -f "%e %U %S" \
    env ANSIBLE_PIPELINING="$pipelining" ansible-playbook -i "$inv" -l "lab[0:$((n - 1))]" -f "$n" "${sshargs[@]}" "$@" \
    > "$log" 2>&1 || { echo "failed: $label at $n hosts (see $log)"; tail -20 "$log"; exit 1; }
  read -r wall user sys < "$out/time"
  ssh=$(wc -l < "$BENCH_SSH_LOG")
  recap=$(grep -E '^hrlab-1 ' "$log" | sed 's/  */ /g')
  execs=$(grep -E '^hrlab-[0-9]+ ' "$log" | sed -E 's/.* ok=([0-9]+) +changed=([0-9]+) .* failed=([0-9]+) .*/\1 \3/' | awk '{s += $1 + $2} END {print s}')
  printf '%-3s hosts pipelining=%-5s %-18s wall %6.1f s  cpu %6.1f s  cpu/host %5.2f s  ssh procs %5d (%5.1f/host)  results %3d/host  %s\n' \
    "$n" "$pipelining" "$label" "$wall" "$(echo "$user + $sys" | bc)" "$(echo "($user + $sys) / $n" | bc -l)" \
    "$ssh" "$(echo "$ssh / $n" | bc -l)" "$((execs / n))" "$recap" | tee -a "$file"
}

case $what in
tasks)
  k=${2:-25}
  inv=$(bash scripts/sshlab.sh up 1 | tail -n 1)
  lib=$out/library
  mkdir -p "$lib"
  rustc -C opt-level=s -C panic=abort -C strip=symbols -o "$lib/noop" "$bench/noop.rs"
  echo "no-op binary module: $(stat -c %s "$lib/noop") bytes"
  export ANSIBLE_LIBRARY=$lib ANSIBLE_STDOUT_CALLBACK=ansible.posix.json
  : > "$out/tasks.txt"
  for mode in cached:True uncached:True standard:False; do
    name=${mode%%:*}
    python3 "$bench/gen_tasks.py" "$k" "$([ "$name" = uncached ] && echo uncached || echo cached)" > "$out/tasks-$name.yml"
    : > "$BENCH_SSH_LOG"
    ANSIBLE_PIPELINING=${mode#*:} ansible-playbook -i "$inv" "${sshargs[@]}" "$out/tasks-$name.yml" > "$out/tasks-$name.json" || true
    python3 "$bench/summarize.py" "$out/tasks-$name.json" "$BENCH_SSH_LOG" "$name" | tee -a "$out/tasks.txt"
  done
  ;;
fleet)
  sizes=${2:-1 10 25 50}
  max=0; for n in $sizes; do [ "$n" -gt "$max" ] && max=$n; done
  t0=$(date +%s)
  inv=$(bash scripts/sshlab.sh up "$max" | tail -n 1)
  echo "lab of $max hosts up in $(( $(date +%s) - t0 )) s"
  : > "$out/fleet.txt"
  for n in $sizes; do
    for pipelining in True False; do
      for step in harden-first harden-idempotent audit; do
        pb=hardening.rhel.harden; [ "$step" = audit ] && pb=hardening.rhel.audit
        [ "$step" = harden-first ] && reset_hosts "$inv" "$n"
        measure "$out/fleet.txt" "$inv" "$n" "$pipelining" "$step" \
          -e "@$bench/fleet_vars.yml" -e "hardening_report_dir=$out/report" "$pb"
      done
    done
  done
  ;;
lsr)
  # The same end state with linux-system-roles (tests/perf/bench/lsr*.yml say how), on hosts of
  # an image with what those roles need on a target (tests/perf/bench/lsr-image/Containerfile).
  src=${2:?usage: bench.sh lsr ROLES_DIR ["N ..."]}
  sizes=${3:-1 10}
  roles=$(mktemp -d /var/tmp/hardening-bench-roles.XXXXXX)
  for r in selinux crypto_policies firewall fapolicyd; do
    [ -f "$src/$r/tasks/main.yml" ] || { echo "no role $r in $src (git clone the linux-system-roles/$r repository there)" >&2; exit 2; }
    cp -a "$src/$r" "$roles/"
    echo "role $r: $(git -C "$src/$r" log -1 --format='%h %cs' 2>/dev/null || echo 'not a git clone')" | tee -a "$out/lsr.txt"
  done
  # A change to the roles: their fapolicyd.conf template names the fapolicyd user, which
  # cannot start fapolicyd in these containers (fleet_vars.yml gives harden.yml uid/gid root too).
  tpl=$roles/fapolicyd/templates/fapolicyd.conf.j2
  sed -i -e 's/^uid = fapolicyd$/uid = root/' -e 's/^gid = fapolicyd$/gid = root/' "$tpl"
  [ "$(grep -c -e '^uid = root$' -e '^gid = root$' "$tpl")" = 2 ] || { echo "fapolicyd template changed: $tpl" >&2; exit 1; }
  # Roles cloned separately each bring a library/sr_fingerprint.py, and Ansible runs the first
  # one found for all of them: when the firewall role's is the older one (a `sr_message`
  # argument), it gets a name of its own (same code, same cost).
  if grep -q 'sr_message:' "$roles/firewall/tasks/"*.yml; then
    mv "$roles/firewall/library/sr_fingerprint.py" "$roles/firewall/library/sr_fingerprint_firewall.py"
    sed -i 's/^\( *\)sr_fingerprint:$/\1sr_fingerprint_firewall:/' "$roles/firewall/tasks/"*.yml
  fi
  base=$(bash molecule/image/build.sh | tail -n 1)
  image=localhost/hardening-rhel-bench-lsr:$( (echo "$base"; cat "$bench"/lsr-image/*) | sha256sum | cut -c1-12)
  podman image exists "$image" || podman build -q --build-arg "BASE=$base" -t "$image" "$bench/lsr-image" >/dev/null
  max=0; for n in $sizes; do [ "$n" -gt "$max" ] && max=$n; done
  bash scripts/sshlab.sh down
  inv=$(bash scripts/sshlab.sh up "$max" "$image" | tail -n 1)
  for n in $sizes; do
    for step in first idempotent; do
      [ "$step" = first ] && reset_hosts "$inv" "$n"
      ANSIBLE_ROLES_PATH=$roles ANSIBLE_CALLBACKS_ENABLED=ansible.posix.profile_roles,ansible.posix.profile_tasks measure "$out/lsr.txt" "$inv" "$n" True "lsr-$step" \
        -e "@$bench/lsr_vars.yml" -e "@$bench/lsr_overrides.yml" "$bench/lsr.yml"
    done
    posture "$inv" "after linux-system-roles, $n hosts"
    for step in first idempotent; do
      [ "$step" = first ] && reset_hosts "$inv" "$n"
      ANSIBLE_CALLBACKS_ENABLED=ansible.posix.profile_roles,ansible.posix.profile_tasks measure "$out/lsr.txt" "$inv" "$n" True "harden-$step" \
        -e "@$bench/fleet_vars.yml" hardening.rhel.harden
    done
    posture "$inv" "after harden.yml, $n hosts"
  done
  rm -rf "$roles"
  # where the time went: per role and the slowest tasks, for the idempotent runs (harden.yml's
  # tasks are in its play, not in a role)
  for f in "$out"/lsr-idempotent-*-True.log "$out"/harden-idempotent-*-True.log; do
    echo "== ${f##*/}"; sed -n '/^PLAY RECAP/,$p' "$f" | grep -v '^hrlab-' | head -n 40
  done | tee -a "$out/lsr.txt"
  ;;
*) echo "unknown: $what" >&2; exit 2 ;;
esac
