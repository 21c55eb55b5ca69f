#!/usr/bin/env python3
"""What galaxy-importer made of the artifact is the collection: every module with its short
description, every action plugin, the role, every playbook, requires_ansible as the collection
states it; and the importer's log has no warning or error.

Usage: check-import.py COLLECTION_DIR IMPORTER_RESULT_JSON IMPORTER_LOG
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
    coll, result_path, log_path = sys.argv[1:]
    result = json.load(open(result_path, encoding="utf-8"))
    errors = []
    want = {}
    for p in sorted(glob.glob(os.path.join(coll, "plugins/modules/*.yml"))):
        doc = yaml.safe_load(open(p, encoding="utf-8"))["DOCUMENTATION"]
        want[("module", doc["module"])] = doc["short_description"]
    for p in sorted(glob.glob(os.path.join(coll, "plugins/action/*.py"))):
        want[("action", os.path.basename(p)[:-3])] = None
    for p in sorted(glob.glob(os.path.join(coll, "roles/*/"))):
        want[("role", os.path.basename(p.rstrip("/")))] = None
    for p in sorted(glob.glob(os.path.join(coll, "playbooks/*.yml"))):
        want[("playbook", os.path.basename(p))] = None
    got = {}
    for item in result.get("contents", []):
        got[(item["content_type"], item["name"])] = item.get("description")
    # playbooks may be named with or without their extension
    got = {(t, n if t != "playbook" or n.endswith(".yml") else n + ".yml"): d for (t, n), d in got.items()}
    if sorted(got) != sorted(want):
        errors.append("contents listed: %s; the collection has: %s"
                      % (sorted(set(got) - set(want)) or "all of it", sorted(set(want) - set(got)) or "all of them"))
    for key, desc in want.items():
        if desc is not None and got.get(key) != desc:
            errors.append("%s %s: described %r, documented %r" % (key[0], key[1], got.get(key), desc))
    # the documentation Automation Hub renders: every module's, from ansible-doc
    blob = {(c.get("content_type"), c.get("content_name")): c for c in result.get("docs_blob", {}).get("contents", [])}
    for (ctype, name), desc in want.items():
        if ctype != "module":
            continue
        ds = (blob.get((ctype, name)) or {}).get("doc_strings") or {}
        if (ds.get("doc") or {}).get("short_description") != desc or not ds.get("examples"):
            errors.append("module %s: no documentation (doc_strings) in the import" % name)
    runtime = yaml.safe_load(open(os.path.join(coll, "meta/runtime.yml"), encoding="utf-8"))
    if result.get("requires_ansible") != runtime["requires_ansible"]:
        errors.append("requires_ansible %r, meta/runtime.yml says %r"
                      % (result.get("requires_ansible"), runtime["requires_ansible"]))
    for line in open(log_path, encoding="utf-8", errors="replace"):
        if re.search(r"\bWARNING\b|\bERROR\b|Traceback", line):
            errors.append("importer log: " + line.rstrip())
    for e in errors:
        print(e)
    if not errors:
        counts = {}
        for t, _ in got:
            counts[t] = counts.get(t, 0) + 1
        print("galaxy-importer: imported; contents %s; every module documented; no warning"
              % ", ".join("%d %s" % (n, t) for t, n in sorted(counts.items())))
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
