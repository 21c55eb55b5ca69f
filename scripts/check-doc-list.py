#!/usr/bin/env python3
"""`ansible-doc -t module -l hardening.rhel` lists every module of the collection with its short
description, and nothing else, with no warning.

Usage: check-doc-list.py SIDECAR_DIR LIST_OUTPUT JSON_LIST_OUTPUT
  SIDECAR_DIR       collection/plugins/modules (the <module>.yml docs: the modules and their
                    short descriptions)
  LIST_OUTPUT       what `ansible-doc -t module -l hardening.rhel` printed (stdout and stderr)
  JSON_LIST_OUTPUT  what `ansible-doc -t module -l -j hardening.rhel` printed
"""
import glob
import json
import os
import re
import sys

import yaml


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sidecars, listing, as_json = sys.argv[1:]
    want = {}
    for p in sorted(glob.glob(os.path.join(sidecars, "*.yml"))):
        doc = yaml.safe_load(open(p, encoding="utf-8"))["DOCUMENTATION"]
        want["hardening.rhel." + doc["module"]] = doc["short_description"]
    errors = []
    text = open(listing, encoding="utf-8", errors="replace").read()
    # Ansible's own warnings and errors (a Python library's warning printed as ansible-core
    # imports it, "<file>.py:<n>: <Category>Warning: ...", is not about the collection)
    for line in text.splitlines():
        if re.search(r"\[(DEPRECATION )?WARNING\]|\[ERROR\]|^ERROR|formatting error", line):
            errors.append("ansible-doc -l warned: " + line)
    listed = {}
    for line in text.splitlines():
        m = re.match(r"^(hardening\.rhel\.\S+)\s+(.*)$", line)
        if m:
            listed[m.group(1)] = m.group(2).strip()
    if sorted(listed) != sorted(want):
        errors.append("ansible-doc -l lists %s, the collection has %s" % (sorted(listed), sorted(want)))
    for name, desc in listed.items():
        full = want.get(name, "")
        # the plain listing cuts long descriptions to the terminal width, ending them with "..."
        if desc != full and not (desc.endswith("...") and full.startswith(desc[:-3].rstrip())):
            errors.append("%s: listed as %r, documented %r" % (name, desc, full))
    raw = open(as_json, encoding="utf-8").read()
    try:
        got = json.loads(raw[raw.index("{"):])
    except ValueError as e:
        got = {}
        errors.append("ansible-doc -l -j printed no JSON: %s" % e)
    got = {k: v for k, v in got.items() if k.startswith("hardening.rhel.")}
    if got != want:
        errors.append("ansible-doc -l -j: %s, documented %s" % (got, want))
    for e in errors:
        print(e)
    if not errors:
        print("ansible-doc -l hardening.rhel: %d modules, each with its short description, no warning" % len(want))
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
