#!/usr/bin/env python3
"""SSG's generated playbook against ours, on two fresh containers of the same image (anchor-ssg,
anchor-ours): each in check mode, for real, and again (ansible-playbook over the podman
connection, ansible.posix.json callback: which tasks reported changed or failed, wall time), then
OpenSCAP with SSG's RHEL 9 content (tailored to the mapped rules, as molecule/openscap) judges both
end states rule by rule.

SSG's playbook runs restricted by its tags to the rules our controls map to (TAGS), with the
value the tailoring also sets for Debian's SELinux policy name (`default`, RHEL's `targeted`).

Fails (PROBLEM lines, exit 1) when anything differs from EXPECTED (expected.yml): the tasks each
side's check mode, first and second run report changed or failed, and each rule's verdict on
each end state; and when docs/verification.md lacks the table this prints ("| `<rule>` | <SSG's> |
<ours> |" rows). Times are printed, never asserted.

    runs.py CONTENT EXPECTED_YML VERIFICATION_MD
"""
import json
import os
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import yaml

X = "{http://checklists.nist.gov/xccdf/1.2}"
PREFIX = "xccdf_org.ssgproject.content_rule_"
HOSTS = {"ssg": "anchor-ssg", "ours": "anchor-ours"}
# the SSG rules our controls map to (references.json) and the two package rules theirs need
TAGS = ["configure_crypto_policy", "enable_fips_mode", "enable_dracut_fips_module", "sysctl_crypto_fips_enabled",
        "selinux_state", "selinux_policytype", "grub2_enable_selinux", "service_firewalld_enabled",
        "set_firewalld_default_zone", "configured_firewalld_default_deny", "configure_firewalld_ports",
        "firewalld_sshd_port_enabled", "service_fapolicyd_enabled", "fapolicy_default_deny",
        "package_firewalld_installed", "package_fapolicyd_installed"]
OURS_VARS = {"hardening_profile": "stig", "hardening_selinux_policy": "default",
             "hardening_fapolicyd_settings": {"uid": "root", "gid": "root",
                                              "watch_fs": "ext2,ext3,ext4,tmpfs,xfs,vfat,iso9660,btrfs,overlay"}}


def play(side, content, check):
    host = HOSTS[side]
    if side == "ssg":
        args = [os.path.join(content, "rhel9-playbook-stig.yml"), "--tags", ",".join(TAGS),
                "-e", "var_selinux_policy_name=default"]
    else:
        args = ["hardening.rhel.harden", "-e", json.dumps(OURS_VARS)]
    cmd = [shutil.which("ansible-playbook"), "-i", host + ",", "-c", "containers.podman.podman",
           "-e", "ansible_python_interpreter=/usr/bin/python3"] + (["--check"] if check else []) + args
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json")
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    seconds = time.monotonic() - t0
    try:
        out = json.loads(p.stdout[p.stdout.index("{"):])
    except ValueError:
        sys.exit("%s: no JSON from ansible-playbook (rc %d): %s %s" % (side, p.returncode, p.stdout[-2000:],
                                                                       p.stderr[-2000:]))
    changed, failed = [], []
    for pl in out["plays"]:
        for t in pl["tasks"]:
            r = t["hosts"].get(host)
            if not r:
                continue
            name = t["task"]["name"]
            items = r.get("results") or [r]
            if r.get("changed") or any(i.get("changed") for i in items if isinstance(i, dict)):
                changed.append(name)
            if r.get("failed") or any(i.get("failed") for i in items if isinstance(i, dict)):
                failed.append(name)
    return {"seconds": round(seconds, 1), "changed": changed, "failed": failed, "rc": p.returncode}


def podman(*args):
    p = subprocess.run(["/usr/bin/podman"] + list(args), capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("podman %s: exit %d: %s" % (" ".join(args), p.returncode, p.stderr.strip()))
    return p.stdout


def openscap(side, content):
    host = HOSTS[side]
    # written and read by the container's own (trusted) cat, into /var/tmp: under the stig
    # profile's fapolicyd rules what podman cp writes from outside counts as untrusted, and
    # root's programs may write in /var/tmp
    podman("exec", host, "mkdir", "-p", "/var/tmp/anchor")
    for f in ("ssg-rhel9-ds.xml", "tailoring-stig.xml"):
        with open(os.path.join(content, f), "rb") as src:
            p = subprocess.run(["/usr/bin/podman", "exec", "-i", host, "/bin/sh", "-c",
                                "cat > /var/tmp/anchor/" + f], stdin=src, capture_output=True)
        if p.returncode != 0:
            sys.exit("%s: writing %s: %s" % (side, f, p.stderr.decode(errors="replace")))
    p = subprocess.run(["/usr/bin/podman", "exec", "-w", "/var/tmp/anchor", host, "oscap", "xccdf", "eval",
                        "--skip-valid", "--tailoring-file", "tailoring-stig.xml", "--profile",
                        "xccdf_hardening.rhel_profile_mapped", "--results", "results.xml", "ssg-rhel9-ds.xml"],
                       capture_output=True, text=True)
    if p.returncode not in (0, 2):
        sys.exit("%s: oscap failed (%d): %s" % (side, p.returncode, p.stderr[-2000:]))
    local = os.path.join(content, "results-%s.xml" % side)
    with open(local, "w") as f:
        f.write(podman("exec", host, "cat", "/var/tmp/anchor/results.xml"))
    out = {}
    for rr in ET.parse(local).getroot().iter(X + "rule-result"):
        rid = rr.get("idref", "")
        result = rr.findtext(X + "result")
        if rid.startswith(PREFIX) and result != "notselected":
            out[rid[len(PREFIX):]] = result
    return out


def main(content, expected_path, readme):
    with open(expected_path) as f:
        expected = yaml.safe_load(f)
    with open(readme) as f:
        readme_text = f.read()
    problems, got = [], {}
    for side in ("ssg", "ours"):
        got[side] = {"check": play(side, content, True), "first": play(side, content, False)}
        got[side]["second"] = play(side, content, False)
        got[side]["openscap"] = openscap(side, content)
    lines = ["| run | SSG's playbook (s, changed, failed) | hardening.rhel.harden (s, changed, failed) |",
             "|---|---|---|"]
    for run in ("check", "first", "second"):
        lines.append("| %s | %s | %s |" % (run, *("%.1f s, %d, %d" % (got[s][run]["seconds"], len(got[s][run]["changed"]),
                                                                       len(got[s][run]["failed"])) for s in ("ssg", "ours"))))
    for side in ("ssg", "ours"):
        for run in ("check", "first", "second"):
            for kind in ("changed", "failed"):
                want = expected[side][run][kind]
                have = got[side][run][kind]
                if sorted(set(have)) != sorted(set(want)):
                    problems.append("%s %s run, %s tasks: %s, expected.yml says %s" % (side, run, kind, have, want))
    # exact check mode: what check mode said would change is what the first run changed
    for side in ("ssg", "ours"):
        c, r = set(got[side]["check"]["changed"]), set(got[side]["first"]["changed"])
        lines.append("%s: check mode said %d task(s) would change, the run changed %d; only in check mode: %s; "
                     "only in the run: %s" % (side, len(c), len(r), sorted(c - r) or "-", sorted(r - c) or "-"))
    lines.append("")
    lines.append("| rule | end state after SSG's playbook | after hardening.rhel.harden |")
    lines.append("|---|---|---|")
    for rule in sorted(set(got["ssg"]["openscap"]) | set(got["ours"]["openscap"])):
        row = "| `%s` | %s | %s |" % (rule, got["ssg"]["openscap"].get(rule, "-"), got["ours"]["openscap"].get(rule, "-"))
        lines.append(row)
        want = expected["openscap"].get(rule)
        have = {"ssg": got["ssg"]["openscap"].get(rule), "ours": got["ours"]["openscap"].get(rule)}
        if want != have:
            problems.append("%s: OpenSCAP says %s, expected.yml %s" % (rule, have, want))
        if row not in readme_text:
            problems.append("docs/verification.md lacks the row %s" % row)
    print("\n".join(lines))
    print(json.dumps(got, indent=1))
    for p in problems:
        print("PROBLEM: " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
