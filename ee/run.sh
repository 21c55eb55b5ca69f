#!/usr/bin/env bash
# Harden and audit through the execution environment the way Automation Platform runs a job:
# ansible-runner with process isolation (podman) in the EE image (ee/build.sh), a project of two
# one-line playbooks importing the collection's (docs/examples/aap-project/), an inventory and a
# machine credential (an SSH key), against a throwaway SSH target (scripts/sshlab.sh: the test
# image with sshd on 2222). Checks: harden succeeds, a second run changes nothing, the audit's
# report (written under the runner's artifacts) is compliant but for what waits for a reboot.
# As root with rootful podman, the EE runs as root in its container (--user=0): ansible-runner
# writes the job's artifacts as root here; Automation Platform's rootless podman maps the EE's
# user to its own instead.
# Usage: ee/run.sh [CORE_VERSION]   (the EE's ansible-core, see ee/build.sh; HARDENING_TEST_IMAGE:
# the test image)
source "$(dirname "$0")/../scripts/env.sh"
EE=$(bash "$REPO/ee/build.sh" "$@" | tail -n 1)
work=$(mktemp -d /var/tmp/hardening-ee-run.XXXXXX)
export SSHLAB_DIR=$work/lab SSHLAB_PORT_BASE=24000
cleanup() { bash "$REPO/scripts/sshlab.sh" down >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
inv=$(bash "$REPO/scripts/sshlab.sh" up 1 "${HARDENING_TEST_IMAGE:-}" | tail -n 1)

# the private data directory of an Automation Platform job
pdd=$work/job
mkdir -p "$pdd/project" "$pdd/inventory" "$pdd/env"
printf 'ANSIBLE_NOCOLOR: "1"\n' > "$pdd/env/envvars"
cp "$REPO/docs/examples/aap-project/harden.yml" "$REPO/docs/examples/aap-project/audit.yml" "$pdd/project/"
install -m 0600 "$SSHLAB_DIR/id_admin" "$pdd/id_admin"
sed "s|^ansible_ssh_private_key_file=.*|ansible_ssh_private_key_file=/runner/id_admin|" "$inv" > "$pdd/inventory/hosts"
{ cat "$REPO/tests/perf/bench/fleet_vars.yml"; echo "hardening_report_dir: /runner/artifacts/report"; } > "$pdd/env/extravars"

job() { # job PLAYBOOK ID: one job in the EE; its stdout
  ansible-runner run "$pdd" -p "$1" --ident "$2" --process-isolation \
    --process-isolation-executable podman --container-image "$EE" \
    --container-option=--network=host --container-option=--user=0 >/dev/null || { cat "$pdd/artifacts/$2/stdout"; return 1; }
  cat "$pdd/artifacts/$2/stdout"
}
t0=$(date +%s)
# the EE's own ansible-core runs the job
podman run --rm "$EE" ansible --version | head -n 1
job harden.yml harden-1 | tee "$work/first.log" | tail -n 3
job harden.yml harden-2 | tee "$work/second.log" | tail -n 3
grep -Eq "changed=0 +unreachable=0 +failed=0" "$work/second.log" || { echo "second harden run changed something"; exit 1; }
job audit.yml audit | tee "$work/audit.log" | tail -n 3
! grep -h "\[DEPRECATION WARNING\]" "$work/first.log" "$work/second.log" "$work/audit.log" || { echo "a deprecation warning"; exit 1; }
python3 - "$pdd/artifacts/report/hrlab-1.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
pending = sorted(p["control"] for p in r["pending_reboot"])
assert r["compliant"] and not r["findings"], r["findings"]
print("audit through the EE: compliant, waiting for a reboot: %s" % ", ".join(pending))
PY
echo "EE $EE: $(podman image inspect "$EE" --format '{{.Size}}') bytes; harden twice and audit in $(( $(date +%s) - t0 )) s"
