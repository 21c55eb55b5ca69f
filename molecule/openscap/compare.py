#!/usr/bin/env python3
"""Our audit's verdicts against OpenSCAP's, rule by rule, for each phase (before and after
hardening): RESULTS/<phase>/<host>.json (audit.yml's host report), and oscap's results of the
content (below).

Ours, for an SSG rule: the controls our audit checked that map to it (references.json), fail
when one fails, else pending when one waits for a reboot, else pass. Theirs: oscap's result.
They agree when equal. A rule our audit did not check on this host (e.g. RHEL 8's
/etc/system-fips, the crypto policy while the fips module owns it) is not compared and is said.

The evidence of a disagreement is what OpenSCAP found false: the OVAL tests of the rule's
definition (through the criteria and the definitions it extends that are not true) whose
result is not true.

Not compared, and said: a rule OpenSCAP has no automated check for (`notchecked`: SSG gives
only an OCIL questionnaire), and a rule DISAGREEMENTS' `not_asked` lists for the profile (the
baseline does not ask for FIPS, for instance, where SSG's STIG values do).

Fails on a disagreement DISAGREEMENTS does not list (for the content, profile, phase, both
verdicts and the evidence exactly), on a listed one that did not occur, and on a listed one the
docs/verification.md does not show (a row starting "| `<rule>` | <profile> (<content>, ...) |" naming it).

CONTENT: the label of the SSG content evaluated (rhel8-0.1.76, rhel9-0.1.76, rhel10-0.1.76; every
DISAGREEMENTS entry lists the labels it holds for in `content`); DATASTREAM: its file - a mapped rule the content does
not have is not compared, and said. The results read are RESULTS/<phase>/xccdf-results-<host>-
<content>.xml and oval-results-<host>-<content>.xml.

    compare.py RESULTS HOST PROFILE REFERENCES_JSON DISAGREEMENTS_YML VERIFICATION_MD CONTENT DATASTREAM
"""
import json
import os
import sys
import xml.etree.ElementTree as ET

import yaml

X = "{http://checklists.nist.gov/xccdf/1.2}"
O = "{http://oval.mitre.org/XMLSchema/oval-results-5}"
PREFIX = "xccdf_org.ssgproject.content_rule_"
RANK = {"fail": 0, "pending": 1, "pass": 2}


def rule_of(table, control):
    names = [c for c in table["controls"] if control == c or control.startswith(c + ".")]
    return table["controls"][max(names, key=len)] if names else []


def ours(report, table):
    per_rule = {}
    for c in report["controls"]:
        for r in rule_of(table, c["control"]):
            per_rule.setdefault(r, []).append((c["control"], c["status"]))
    return {r: (min((s for _, s in cs), key=RANK.get), [c for c, _ in cs]) for r, cs in per_rule.items()}


def theirs(path):
    root = ET.parse(path).getroot()
    out = {}
    for rr in root.iter(X + "rule-result"):
        rid = rr.get("idref", "")
        if rid.startswith(PREFIX):
            out[rid[len(PREFIX):]] = rr.findtext(X + "result")
    return out


def false_tests(path):
    """OVAL definition id -> the tests (short ids) that are not true under it."""
    root = ET.parse(path).getroot()
    defs = {d.get("definition_id"): d for d in root.iter(O + "definition")}

    def walk(el, seen):
        out = []
        for c in el:
            if c.tag == O + "criterion" and c.get("result") != "true":
                out.append(c.get("test_ref").replace("oval:ssg-", "").replace(":tst:1", ""))
            elif c.tag == O + "extend_definition" and c.get("result") != "true":
                ref = c.get("definition_ref")
                if ref in defs and ref not in seen:
                    out += walk(defs[ref], seen | {ref})
            elif c.tag == O + "criteria" and c.get("result") != "true":
                out += walk(c, seen)
        return out

    return {i: sorted(set(walk(d, {i}))) for i, d in defs.items()}


def in_readme(text, rule, profile, content):
    """A row of docs/verification.md "| `<rule>` | <profile> (<content>, <content> ...) |" naming this content."""
    head = "| `%s` | %s (" % (rule, profile)
    for line in text.splitlines():
        if line.startswith(head):
            labels = line[len(head):].split(")", 1)[0].split(", ")
            if content in labels:
                return True
    return False


def main(results, host, profile, references, disagreements, readme, content, datastream):
    with open(references) as f:
        table = json.load(f)
    with open(disagreements) as f:
        documented = yaml.safe_load(f)
    with open(readme) as f:
        readme_text = f.read()
    with open(datastream) as f:
        ds_text = f.read()
    not_asked = documented.get("not_asked", {}).get(profile, {})
    bad = [d["rule"] for d in documented["disagreements"] if "content" not in d]
    if bad:
        sys.exit("%s: entries without content: %s" % (disagreements, ", ".join(bad)))
    documented = [d for d in documented["disagreements"] if content in d["content"]]
    rules = sorted({r for rs in table["controls"].values() for r in rs})
    seen, problems, lines = set(), [], []
    lines.append("content: %s (%s)" % (content, os.path.basename(datastream)))
    lines.append("| rule | profile | phase | ours (controls) | OpenSCAP | verdict | OpenSCAP's false tests |")
    lines.append("|---|---|---|---|---|---|---|")
    for phase in ("before", "after"):
        with open(os.path.join(results, phase, host + ".json")) as f:
            mine = ours(json.load(f), table)
        oscap = theirs(os.path.join(results, phase, "xccdf-results-%s-%s.xml" % (host, content)))
        tests = false_tests(os.path.join(results, phase, "oval-results-%s-%s.xml" % (host, content)))
        for r in rules:
            them = oscap.get(r, "not evaluated")
            evidence = tests.get("oval:ssg-%s:def:1" % r, [])
            if PREFIX + r + '"' not in ds_text:
                lines.append("| `%s` | %s | %s | %s | not in this content | not compared | |" % (
                    r, profile, phase, mine[r][0] if r in mine else "not checked here"))
                continue
            if r not in mine:
                lines.append("| `%s` | %s | %s | not checked here | %s | not compared | |" % (r, profile, phase, them))
                continue
            us, controls = mine[r]
            if them == "notchecked" or r in not_asked:
                why = "OpenSCAP: manual check only" if them == "notchecked" else "not asked: " + not_asked[r]
                lines.append("| `%s` | %s | %s | %s (%s) | %s | not compared (%s) | %s |" % (
                    r, profile, phase, us, ", ".join(controls), them, why, ", ".join(evidence)))
                continue
            if us == them:
                verdict = "agree"
            else:
                entry = [d for d in documented if d["rule"] == r and d["profile"] == profile
                         and phase in d["phases"] and d["ours"] == us and d["openscap"] == them
                         and sorted(d["evidence"]) == evidence]
                if entry:
                    seen.add((r, profile, phase))
                    verdict = "documented"
                    if not in_readme(readme_text, r, profile, content):
                        problems.append("%s (%s): documented in %s but not in docs/verification.md"
                                        % (r, profile, disagreements))
                else:
                    verdict = "DISAGREE"
                    problems.append("%s (%s, %s): ours %s (%s), OpenSCAP %s (false: %s) - not documented"
                                    % (r, profile, phase, us, ", ".join(controls), them, ", ".join(evidence) or "-"))
            lines.append("| `%s` | %s | %s | %s (%s) | %s | %s | %s |" % (
                r, profile, phase, us, ", ".join(controls), them, verdict, ", ".join(evidence)))
    for d in documented:
        for phase in d["phases"]:
            if d["profile"] == profile and (d["rule"], profile, phase) not in seen:
                problems.append("%s (%s, %s): documented disagreement (ours %s, OpenSCAP %s, false: %s) "
                                "did not occur" % (d["rule"], profile, phase, d["ours"], d["openscap"],
                                                   ", ".join(d["evidence"]) or "-"))
    print("\n".join(lines))
    agree = sum(1 for l in lines if "| agree |" in l)
    print("agree: %d, documented disagreements: %d, problems: %d" % (agree, len(seen), len(problems)))
    for p in problems:
        print("PROBLEM: " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
