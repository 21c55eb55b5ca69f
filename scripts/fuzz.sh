#!/usr/bin/env bash
# Coverage-guided fuzzing benchmark — not a timed test, not part of .ci/run.
# Every target of tests/fuzz (cargo-fuzz + libFuzzer, nightly) runs RUNS executions (default ten
# million), JOBS (default 2) targets at a time, seeded with the repository's fixtures and the kept corpus.
# A crash fails the run and is copied to tests/fuzz/regressions/<target>/ (replayed by
# tests/fuzz_replay.rs in .ci/run, on stable). Afterwards each corpus is minimised
# (cargo fuzz cmin) into tests/fuzz/corpus/<target>/. Prints one line per target:
#   target  executions  seconds  executions/s  corpus  crashes
# Usage: scripts/fuzz.sh [target ...]     RUNS=N to change the count, MAX_TIME=S to stop each
# target after S seconds (its executions so far are reported), JOBS=N targets at a time,
# SANITIZER=address|none (default none: the targets are safe Rust parsers, where AddressSanitizer
# finds nothing that the bounds checks and debug assertions do not already turn into a crash, and
# costs 2-3x the executions per second; use address after changing unsafe code).
source "$(dirname "$0")/env.sh"
cd "$REPO"
RUNS=${RUNS:-10000000}
FUZZ_DIR=tests/fuzz
SAN=(-s "${SANITIZER:-none}")

if ! cargo fuzz --version >/dev/null 2>&1; then
  log "cargo-fuzz"
  cargo install --locked --quiet cargo-fuzz --version 0.13.2
fi
rustup toolchain list | grep -q '^nightly' || rustup toolchain install --profile minimal nightly

targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(sed -n 's/^name = "\(.*\)"$/\1/p' "$FUZZ_DIR/Cargo.toml" | grep -v hardening-rhel-fuzz)

log "build (nightly, release with debug assertions)"
cargo +nightly fuzz build --fuzz-dir "$FUZZ_DIR" -O -a "${SAN[@]}"

WORK=$(mktemp -d /var/tmp/hardening-fuzz.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

seeds() { # seeds TARGET DIR: the fixtures that are this target's kind of input
  local t=$1 d=$2
  mkdir -p "$d"
  case $t in
    rich_rule) grep -rhoE 'rule [^"]*("[^"]*"[^"]*)*' modules/firewalld_zone/src/rich.rs | head -200 |
                 split -l 1 - "$d/r" ;;
    zone_xml) cp tests/fixtures/firewalld/zones/*.xml "$d/" ;;
    fapolicyd_rule) cp tests/fixtures/fapolicyd/sample-rules/* "$d/" ;;
    trust_file) cp tests/fixtures/fapolicyd/fapolicyd.trust.debian "$d/" ;;
    crypto_policy_def) find tests/fixtures/crypto-policies/policies -type f -exec cp {} "$d/" \; ;;
    selinux_config) cp tests/fixtures/selinux/* "$d/" ;;
    kernel_args) cp tests/fixtures/boot/*entry.conf tests/fixtures/boot/default-grub "$d/" ;;
    os_release) printf 'NAME="Red Hat Enterprise Linux"\nVERSION_ID="9.4"\nID="rhel"\nID_LIKE="fedora"\n' > "$d/rhel9" ;;
    fapolicyd_conf) cp tests/fixtures/fapolicyd/fapolicyd.conf.debian "$d/" ;;
    dbus_message) printf 'l\002\001\001\004\000\000\000\002\000\000\000\010\000\000\000\005\001u\000\001\000\000\000\010\001g\000\001s\000\000\004\000\000\000abc\000' > "$d/reply" ;;
  esac
}

one() { # one TARGET: fuzz, minimise, report
  local t=$1
  local w=$WORK/$t
  mkdir -p "$w/corpus" "$w/seeds" "$FUZZ_DIR/corpus/$t"
  cp -r "$FUZZ_DIR/corpus/$t/." "$w/corpus/" 2>/dev/null || true
  seeds "$t" "$w/seeds"
  local t0=$(date +%s) rc=0
  cargo +nightly fuzz run --fuzz-dir "$FUZZ_DIR" -O -a "${SAN[@]}" "$t" "$w/corpus" "$w/seeds" -- \
    -runs="$RUNS" ${MAX_TIME:+-max_total_time=$MAX_TIME} -print_final_stats=1 \
    -artifact_prefix="$w/" >"$w/log" 2>&1 || rc=$?
  local secs=$(( $(date +%s) - t0 ))
  local execs; execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$w/log" | tail -n 1)
  local crashes=0 f
  for f in "$w"/crash-* "$w"/oom-* "$w"/timeout-*; do
    [ -e "$f" ] || continue
    mkdir -p "$FUZZ_DIR/regressions/$t"; cp "$f" "$FUZZ_DIR/regressions/$t/"; crashes=$((crashes + 1))
  done
  local note=""
  # a run stopped with SIGINT (or by MAX_TIME) prints its stats: executions so far, no crash
  grep -q 'run interrupted' "$w/log" && note=" (interrupted)"
  [ "$rc" -eq 0 ] || [ "$crashes" -gt 0 ] || [ -n "$note" ] || { tail -n 30 "$w/log"; crashes="run failed ($rc)"; }
  # keep a minimal corpus (seeds included) in the repository: cmin minimises in place
  cp "$w/seeds/"* "$w/corpus/" 2>/dev/null || true
  cargo +nightly fuzz cmin --fuzz-dir "$FUZZ_DIR" -O -a "${SAN[@]}" "$t" "$w/corpus" >"$w/cmin.log" 2>&1 || true
  if [ -n "$(ls -A "$w/corpus")" ]; then
    rm -rf "$FUZZ_DIR/corpus/$t"; mkdir -p "$FUZZ_DIR/corpus/$t"; cp "$w/corpus/"* "$FUZZ_DIR/corpus/$t/"
  fi
  printf '%-18s %10s %6d s %8d/s %5d inputs  crashes: %s%s\n' "$t" "${execs:-?}" "$secs" \
    "$(( ${execs:-0} / (secs > 0 ? secs : 1) ))" "$(ls "$FUZZ_DIR/corpus/$t" | wc -l)" "$crashes" \
    "$note" | tee "$w/result"
}

JOBS=${JOBS:-2}
log "fuzzing ${#targets[@]} targets, $RUNS executions each, $JOBS at a time"
for t in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
  one "$t" &
done
wait
log "results"
cat "$WORK"/*/result
! grep -q 'crashes: [^0]' "$WORK"/*/result
