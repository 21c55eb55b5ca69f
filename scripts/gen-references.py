#!/usr/bin/env python3
"""Derives the compliance references of security_facts' controls (modules/security_facts/
references.json, and its table docs/references.md) from the compliance content itself:

- the SSG rules each control corresponds to: CONTROLS below, the one part written by hand (what
  our control checks and what the SSG rule checks; docs/profiles.md "Compliance references");
- SSG rule ids, titles and NIST SP 800-53 controls: the RHEL 9 SCAP datastream of SSG 0.1.76
  (Debian trixie's `ssg-nondebian`, the content OpenSCAP evaluates in molecule/openscap), and
  which of the RHEL 8, 9 and 10 datastreams of that release have each rule (RHEL 10's lacks
  some: its content is younger than the product);
- DISA STIG ids and CIS recommendation numbers for RHEL 8, 9 and 10: the control files of the
  ComplianceAsCode content repository (products/rhel{8,9,10}/controls/{stig,cis}_rhel*.yml),
  whose commit and benchmark versions are recorded in the table - newer than what SSG 0.1.76
  carries in its datastreams (STIG ids for RHEL 8 and 9 only, CIS numbers of older benchmark
  versions); where the two differ the script says so on stderr (with --cac).

    gen-references.py --cac GIT_DIR [--ssg DIR] [--write]
        derive everything; GIT_DIR is a clone (or bare repository) of ComplianceAsCode/content
    gen-references.py --check [--ssg DIR]
        CI (the ComplianceAsCode repository is not reachable there): recompute what comes from
        the datastreams, take the ComplianceAsCode part from the committed table, fail on any
        difference
--ssg: a directory holding ssg-rhel8-ds.xml, ssg-rhel9-ds.xml and ssg-rhel10-ds.xml of SSG
0.1.76; by default what scripts/ssg.sh fetched ($CACHE/ssg-trixie/<version>).
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
CIS_HREF = "cisecurity.org/benchmark/red_hat_linux"

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

PRODUCTS = ("8", "9", "10")
CAC_KEYS = tuple("%s_rhel%s" % (k, v) for k in ("stig", "cis") for v in PRODUCTS)
CAC_FILES = {k: "products/rhel%s/controls/%s.yml" % (k.split("rhel")[1], k) for k in CAC_KEYS}
SSG_VERSION = "0.1.76"


def run(argv, **kw):
    return subprocess.run(argv, check=True, capture_output=True, text=True, **kw).stdout


def ssg_dir(given):
    """The directory of SSG 0.1.76's datastreams and what it is (scripts/ssg.sh fetches them)."""
    d = given
    if not d:
        cache = os.path.join(os.environ.get("CACHE", "/var/cache/hardening-rhel"), "ssg-trixie")
        found = sorted(x for x in os.listdir(cache) if x.startswith(SSG_VERSION)) if os.path.isdir(cache) else []
        if not found:
            sys.exit("no SSG %s under %s: run scripts/ssg.sh" % (SSG_VERSION, cache))
        d = os.path.join(cache, found[-1])
    version = os.path.basename(os.path.normpath(d))
    if not version.startswith(SSG_VERSION):
        sys.exit("%s: not SSG %s (the directory is named after the package version)" % (d, SSG_VERSION))
    for v in PRODUCTS:
        if not os.path.exists(os.path.join(d, "ssg-rhel%s-ds.xml" % v)):
            sys.exit("%s: no ssg-rhel%s-ds.xml" % (d, v))
    return d, "%s %s (Debian trixie)" % (SSG_PACKAGE, version)


def datastream_rules(path, wanted):
    """Rule short id -> its title, NIST 800-53, DISA STIG ids and CIS numbers as the datastream
    cites them, for the rules wanted that it has."""
    rules = {}
    for _, el in ET.iterparse(path):
        if el.tag != X + "Rule":
            continue
        rid = el.get("id", "")
        short = rid[len(PREFIX):] if rid.startswith(PREFIX) else None
        if short in wanted:
            refs = {"nist": [], "stig": [], "cis": []}
            for r in el.findall(X + "reference"):
                href = r.get("href") or ""
                if NIST_HREF in href:
                    refs["nist"].append(r.text.strip())
                elif STIG_HREF in href:
                    refs["stig"].append(r.text.strip())
                elif CIS_HREF in href:
                    refs["cis"].append(r.text.strip())
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
    ds = {v: datastream_rules(os.path.join(directory, "ssg-rhel%s-ds.xml" % v), wanted) for v in PRODUCTS}
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
        # what the datastreams cite against ComplianceAsCode's current control files
        for r in wanted:
            for v in PRODUCTS:
                for kind in ("stig", "cis"):
                    old = sorted(ds[v].get(r, {}).get(kind, []), key=version_key)
                    new = per_rule[r]["%s_rhel%s" % (kind, v)]
                    if old != new:
                        print("note: %s: %s RHEL %s %s in %s, %s in ComplianceAsCode %s"
                              % (r, kind.upper(), v, old, ssg_source, new,
                                 source["benchmarks"]["%s_rhel%s" % (kind, v)]), file=sys.stderr)
    else:
        source = committed["sources"]["complianceascode"]
        new = [r for r in wanted if r not in committed["rules"]
               or any(k not in committed["rules"][r] for k in CAC_KEYS)]
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
            "in_content": ["rhel" + v for v in PRODUCTS if r in ds[v]],
            **{k: per_rule[r][k] for k in CAC_KEYS},
        }
    return {
        "_generated": "by scripts/gen-references.py: do not edit",
        "sources": {
            "ssg": ssg_source + ": ssg-rhel9-ds.xml (rule ids, titles, NIST SP 800-53); "
                   "ssg-rhel8/9/10-ds.xml (in_content)",
            "complianceascode": source,
        },
        "controls": CONTROLS,
        "rules": rules,
    }


def markdown(table):
    src = table["sources"]
    cac = src["complianceascode"]
    b = cac["benchmarks"]
    lines = [
        "# Compliance references of the audit's controls",
        "",
        "Generated by `scripts/gen-references.py` from `modules/security_facts/references.json`: "
        "do not edit.",
        "",
        "- SSG rules, NIST SP 800-53 (rev. 4, as SSG cites it), which SSG content has the rule: " + src["ssg"],
        "- " + ", ".join("%s RHEL %s (%s)" % (k.split("_")[0].upper(), k.split("rhel")[1], b[k]) for k in CAC_KEYS)
        + ": ComplianceAsCode content %s (%s)" % (cac["commit"][:12], cac["date"]),
        "- A rule SSG %s's RHEL 10 content lacks (column *RHEL 10 content*: no) is not evaluated by "
        "OpenSCAP with that content (molecule/openscap says so); its RHEL 10 STIG or CIS entry comes "
        "from ComplianceAsCode's newer control files." % SSG_VERSION,
        "",
        "| control | SSG rule | RHEL 10 content | " + " | ".join(
            "%s RHEL %s" % (k.split("_")[0].upper(), k.split("rhel")[1]) for k in CAC_KEYS) + " | NIST 800-53 |",
        "|---|---|---|" + "---|" * len(CAC_KEYS) + "---|",
    ]
    for control, rules in table["controls"].items():
        if not rules:
            lines.append("| `%s` | (none) | |" % control + " |" * len(CAC_KEYS) + " |")
        for r in rules:
            ref = table["rules"][r]
            lines.append("| `%s` | `%s` | %s | %s |" % (
                control, r, "yes" if "rhel10" in ref["in_content"] else "no",
                " | ".join(", ".join(ref[k]) for k in CAC_KEYS + ("nist_800_53",))))
    return "\n".join(lines) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cac")
    p.add_argument("--ssg")
    p.add_argument("--write", action="store_true")
    p.add_argument("--check", action="store_true")
    a = p.parse_args()
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
