#!/usr/bin/env bash
# Benchmarks over real SSH (docs/performance.md has the figures and how they were taken).
#   scripts/bench.sh tasks [K]          per task, one loopback SSH host: raw, ping, setup (min), a
#                                       no-op binary module, every hardening.rhel module cached,
#                                       uncached and with pipelining off, ansible.posix equivalents;
#                                       medians of K executions (default 25)
#   scripts/bench.sh fleet "1 10 25 50" the baseline (harden.yml first run, idempotent run, audit.yml)
#                                       at forks = hosts: wall time, controller CPU, ssh processes
# Targets: scripts/sshlab.sh containers (started here, removed at the end unless BENCH_KEEP=1).
# Uses the built collection artifact (dist/), installed into a private path.
source "$(dirname "$0")/env.sh"
set -euo pipefail
cd "$REPO"
what=${1:?usage: bench.sh tasks [K] | fleet "N ..."}
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
  vars=$bench/fleet_vars.yml
  : > "$out/fleet.txt"
  for n in $sizes; do
    limit="lab[0:$((n - 1))]"
    for pipelining in True False; do
      for step in harden-first harden-idempotent audit; do
        pb=playbooks/harden.yml; [ "$step" = audit ] && pb=playbooks/audit.yml
        if [ "$step" = harden-first ]; then
          # a fresh start for the first run: no cache, the baseline's files removed
          ansible -i "$inv" "$limit" -f "$n" -m ansible.builtin.script -a "$bench/reset.sh" >/dev/null
        fi
        : > "$BENCH_SSH_LOG"
        /usr/bin/time -o "$out/time" -f "%e %U %S" \
          env ANSIBLE_PIPELINING=$pipelining ansible-playbook -i "$inv" -l "$limit" -f "$n" "${sshargs[@]}" \
          -e "@$vars" -e "hardening_report_dir=$out/report" "$pb" > "$out/fleet-$n-$step-$pipelining.log" 2>&1 \
          || { echo "failed: $step at $n hosts (see $out/fleet-$n-$step-$pipelining.log)"; tail -20 "$out/fleet-$n-$step-$pipelining.log"; exit 1; }
        read -r wall user sys < "$out/time"
        tasks=$(grep -c '^TASK \[' "$out/fleet-$n-$step-$pipelining.log" || true)
        ssh=$(wc -l < "$BENCH_SSH_LOG")
        recap=$(grep -E '^hrlab-1 ' "$out/fleet-$n-$step-$pipelining.log" | sed 's/  */ /g')
        printf '%-3s hosts pipelining=%-5s %-18s wall %6.1f s  cpu %6.1f s  cpu/host %5.2f s  ssh procs %5d (%5.1f/host)  %s\n' \
          "$n" "$pipelining" "$step" "$wall" "$(echo "$user + $sys" | bc)" "$(echo "($user + $sys) / $n" | bc -l)" \
          "$ssh" "$(echo "$ssh / $n" | bc -l)" "$recap" | tee -a "$out/fleet.txt"
      done
    done
  done
  ;;
*) echo "unknown: $what" >&2; exit 2 ;;
esac
