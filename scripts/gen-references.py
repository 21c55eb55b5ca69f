#!/usr/bin/env python3
"""Derives the compliance references of security_facts' controls (modules/security_facts/
references.json, and its table docs/references.md) from the compliance content itself:

- the SSG rules each control corresponds to: CONTROLS below, the one part written by hand (what
  our control checks and what the SSG rule checks; README "Compliance references");
- SSG rule ids, titles and NIST SP 800-53 controls: the RHEL 9 SCAP datastream of Debian's
  `ssg-nondebian` package (the content OpenSCAP evaluates in molecule/openscap);
- DISA STIG ids for RHEL 8 and RHEL 9, CIS RHEL 8/9 recommendation numbers: the control files of
  the ComplianceAsCode content repository (products/rhel{8,9}/controls/{stig,cis}_rhel{8,9}.yml),
  whose commit and benchmark versions are recorded in the table. ssg-nondebian 0.1.65 predates
  the RHEL 9 STIG and carries RHEL 8 STIG ids of an older release (V1: RHEL-08-010020 on the FIPS
  rules, no RHEL-08-040090 on the default zone); where they differ from the current ones the
  script says so on stderr.

    gen-references.py --cac GIT_DIR [--ssg DIR] [--write]
        derive everything; GIT_DIR is a clone (or bare repository) of ComplianceAsCode/content
    gen-references.py --ssg-dir
        print the directory of the (downloaded, extracted) datastreams, for molecule/openscap
    gen-references.py --check [--ssg DIR]
        CI (the ComplianceAsCode repository is not reachable there): recompute what comes from
        the datastreams, take the ComplianceAsCode part from the committed table, fail on any
        difference
--ssg: a directory holding ssg-rhel8-ds.xml and ssg-rhel9-ds.xml; by default the package is
downloaded with the machine's own APT configuration into $CACHE/ssg.
"""

import argparse
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "modules", "security_facts", "references.json")
DOC = os.path.join(REPO, "docs", "references.md")
SSG_PACKAGE = "ssg-nondebian"
PREFIX = "xccdf_org.ssgproject.content_rule_"
X = "{http://checklists.nist.gov/xccdf/1.2}"
STIG_HREF = "operating-systems%2Cunix-linux"
NIST_HREF = "NIST.SP.800-53"

# security_facts control -> the SSG rules it corresponds to. A control whose name has more parts
# (firewalld.zones.<zone>) takes the entry of its longest listed prefix.
CONTROLS = {
    "crypto_policy": ["configure_crypto_policy"],
    # the mode: configured (enable_fips_mode) and the running kernel's (sysctl_crypto_fips_enabled)
    "fips": ["enable_fips_mode", "sysctl_crypto_fips_enabled"],
    "fips.dracut_module": ["enable_dracut_fips_module"],
    "fips.system_fips": ["etc_system_fips_exists"],
    "selinux.state": ["selinux_state"],
    "selinux.policy": ["selinux_policytype"],
    "selinux.boot_args": ["grub2_enable_selinux"],
    # SSG's service_*_enabled wants both: running and wanted by multi-user.target
    "firewalld.running": ["service_firewalld_enabled"],
    "firewalld.enabled": ["service_firewalld_enabled"],
    # the zone the profile names; the STIG's deny-all zone is configured_firewalld_default_deny
    "firewalld.default_zone": ["set_firewalld_default_zone", "configured_firewalld_default_deny"],
    # the services and ports a zone allows (SSG leaves them to the site: configure_firewalld_ports
    # is a manual check) and ssh among them
    "firewalld.zones": ["configure_firewalld_ports", "firewalld_sshd_port_enabled"],
    "fapolicyd.running": ["service_fapolicyd_enabled"],
    "fapolicyd.enabled": ["service_fapolicyd_enabled"],
    "fapolicyd.default_deny": ["fapolicy_default_deny"],
    # fapolicy_default_deny also wants permissive = 0
    "fapolicyd.permissive": ["fapolicy_default_deny"],
    # no SSG rule checks fapolicyd's integrity setting
    "fapolicyd.integrity": [],
}

CAC_FILES = {
    "stig_rhel8": "products/rhel8/controls/stig_rhel8.yml",
    "stig_rhel9": "products/rhel9/controls/stig_rhel9.yml",
    "cis_rhel8": "products/rhel8/controls/cis_rhel8.yml",
    "cis_rhel9": "products/rhel9/controls/cis_rhel9.yml",
}
CAC_KEYS = ("stig_rhel8", "stig_rhel9", "cis_rhel8", "cis_rhel9")


def run(argv, **kw):
    return subprocess.run(argv, check=True, capture_output=True, text=True, **kw).stdout


def ssg_dir(given):
    if given:
        return given, "given directory " + given
    cache = os.environ.get("CACHE", "/var/cache/hardening-rhel")
    d = os.path.join(cache, "ssg")
    os.makedirs(d, exist_ok=True)
    debs = [f for f in os.listdir(d) if f.startswith(SSG_PACKAGE + "_") and f.endswith(".deb")]
    if not debs:
        run(["/usr/bin/apt-get", "download", SSG_PACKAGE], cwd=d)
        debs = [f for f in os.listdir(d) if f.startswith(SSG_PACKAGE + "_") and f.endswith(".deb")]
    deb = os.path.join(d, sorted(debs)[-1])
    version = run(["/usr/bin/dpkg-deb", "-f", deb, "Version"]).strip()
    out = os.path.join(d, version)
    if not os.path.exists(os.path.join(out, "ssg-rhel9-ds.xml")):
        os.makedirs(out, exist_ok=True)
        tar = subprocess.Popen(["/usr/bin/dpkg-deb", "--fsys-tarfile", deb], stdout=subprocess.PIPE)
        members = ["./usr/share/xml/scap/ssg/content/ssg-rhel%s-ds.xml" % v for v in "89"]
        subprocess.run(["/usr/bin/tar", "-x", "-C", out, "--strip-components=7"] + members,
                       stdin=tar.stdout, check=True)
        if tar.wait() != 0:
            sys.exit("dpkg-deb --fsys-tarfile %s failed" % deb)
    return out, "%s %s (Debian)" % (SSG_PACKAGE, version)


def datastream_rules(path, wanted):
    """Rule short id -> its title, NIST 800-53 and RHEL STIG ids, for the rules wanted."""
    rules = {}
    for _, el in ET.iterparse(path):
        if el.tag != X + "Rule":
            continue
        rid = el.get("id", "")
        short = rid[len(PREFIX):] if rid.startswith(PREFIX) else None
        if short in wanted:
            refs = {"nist": [], "stig": []}
            for r in el.findall(X + "reference"):
                href = r.get("href") or ""
                if NIST_HREF in href:
                    refs["nist"].append(r.text.strip())
                elif STIG_HREF in href:
                    refs["stig"].append(r.text.strip())
            rules[short] = {"id": rid, "title": el.findtext(X + "title", "").strip(), **refs}
        el.clear()
    return rules


def cac_controls(git_dir, path):
    """rule -> the ids of the controls (STIG ids, CIS numbers) that list it, and the file's
    benchmark version."""
    doc = yaml.safe_load(run(["/usr/bin/git", "--git-dir", git_dir, "show", "HEAD:" + path]))
    by_rule = {}

    def walk(controls):
        for c in controls or []:
            for r in c.get("rules") or []:
                if "=" not in r:
                    by_rule.setdefault(r, []).append(str(c["id"]))
            walk(c.get("controls"))

    walk(doc.get("controls"))
    return by_rule, str(doc.get("version", ""))


def version_key(s):
    return [int(p) if p.isdigit() else p for p in s.replace("-", ".").split(".")]


def generate(ssg, cac, committed):
    wanted = sorted({r for rules in CONTROLS.values() for r in rules})
    directory, ssg_source = ssg_dir(ssg)
    # the RHEL 8 datastream only for the note on its older STIG ids (with --cac)
    ds = {v: datastream_rules(os.path.join(directory, "ssg-rhel%s-ds.xml" % v), wanted)
          for v in ("89" if cac else "9")}
    missing = [r for r in wanted if r not in ds["9"]]
    if missing:
        sys.exit("not in the RHEL 9 datastream: " + ", ".join(missing))
    if cac:
        commit = run(["/usr/bin/git", "--git-dir", cac, "log", "-1", "--format=%H %cs"]).split()
        source = {"commit": commit[0], "date": commit[1], "benchmarks": {}}
        per_rule = {}
        for key, path in CAC_FILES.items():
            by_rule, version = cac_controls(cac, path)
            source["benchmarks"][key] = version
            for r in wanted:
                per_rule.setdefault(r, {})[key] = sorted(set(by_rule.get(r, [])), key=version_key)
        # the datastream's RHEL 8 STIG ids against ComplianceAsCode's current ones
        for r in wanted:
            old, new = sorted(ds["8"].get(r, {}).get("stig", [])), per_rule[r]["stig_rhel8"]
            if old != new:
                print("note: %s: RHEL 8 STIG %s in %s, %s in ComplianceAsCode %s"
                      % (r, old, ssg_source, new, source["benchmarks"]["stig_rhel8"]), file=sys.stderr)
    else:
        source = committed["sources"]["complianceascode"]
        new = [r for r in wanted if r not in committed["rules"]]
        if new:
            sys.exit("no ComplianceAsCode references committed for %s: run with --cac GIT_DIR"
                     % ", ".join(new))
        per_rule = {r: {k: committed["rules"][r][k] for k in CAC_KEYS} for r in wanted}
    rules = {}
    for r in wanted:
        rules[r] = {
            "id": ds["9"][r]["id"],
            "title": ds["9"][r]["title"],
            "nist_800_53": ds["9"][r]["nist"],
            **{k: per_rule[r][k] for k in CAC_KEYS},
        }
    return {
        "_generated": "by scripts/gen-references.py: do not edit",
        "sources": {
            "ssg": ssg_source + ": ssg-rhel9-ds.xml (rule ids, titles, NIST SP 800-53)",
            "complianceascode": source,
        },
        "controls": CONTROLS,
        "rules": rules,
    }


def markdown(table):
    src = table["sources"]
    cac = src["complianceascode"]
    lines = [
        "# Compliance references of the audit's controls",
        "",
        "Generated by `scripts/gen-references.py` from `modules/security_facts/references.json`: "
        "do not edit.",
        "",
        "- SSG rules, NIST SP 800-53 (rev. 4, as SSG cites it): " + src["ssg"],
        "- RHEL 8 STIG (%s), RHEL 9 STIG (%s), CIS RHEL 8 (%s), CIS RHEL 9 (%s): ComplianceAsCode "
        "content %s (%s)"
        % (cac["benchmarks"]["stig_rhel8"], cac["benchmarks"]["stig_rhel9"], cac["benchmarks"]["cis_rhel8"],
           cac["benchmarks"]["cis_rhel9"], cac["commit"][:12], cac["date"]),
        "",
        "| control | SSG rule | RHEL 8 STIG | RHEL 9 STIG | CIS RHEL 8 | CIS RHEL 9 | NIST 800-53 |",
        "|---|---|---|---|---|---|---|",
    ]
    for control, rules in table["controls"].items():
        if not rules:
            lines.append("| `%s` | (none) | | | | | |" % control)
        for r in rules:
            ref = table["rules"][r]
            lines.append("| `%s` | `%s` | %s | %s | %s | %s | %s |" % (
                control, r, *(", ".join(ref[k]) for k in
                              ("stig_rhel8", "stig_rhel9", "cis_rhel8", "cis_rhel9", "nist_800_53"))))
    return "\n".join(lines) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cac")
    p.add_argument("--ssg")
    p.add_argument("--write", action="store_true")
    p.add_argument("--check", action="store_true")
    p.add_argument("--ssg-dir", action="store_true")
    a = p.parse_args()
    if a.ssg_dir:
        print(ssg_dir(a.ssg)[0])
        return
    if bool(a.cac) == a.check:
        p.error("give --cac GIT_DIR, or --check")
    committed = None
    if os.path.exists(OUT):
        with open(OUT) as f:
            committed = json.load(f)
    if a.check and committed is None:
        sys.exit("%s is missing" % OUT)
    table = generate(a.ssg, a.cac, committed)
    text = json.dumps(table, indent=1) + "\n"
    doc = markdown(table)
    if a.check:
        with open(DOC) as f:
            same_doc = f.read() == doc
        with open(OUT) as f:
            same = f.read() == text
        if not (same and same_doc):
            sys.exit("%s or %s differs from what scripts/gen-references.py derives: run it with "
                     "--cac GIT_DIR --write" % (OUT, DOC))
        print("references: %d controls, %d SSG rules, as derived" % (len(CONTROLS), len(table["rules"])))
    elif a.write:
        for path, content in ((OUT, text), (DOC, doc)):
            with open(path, "w") as f:
                f.write(content)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
