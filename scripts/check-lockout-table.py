#!/usr/bin/env python3
"""Every test the lockout documentation's table names exists (docs/lockout-guards.md, section
"Access paths x modules"): `tests/<file>.rs::<fn>` and `modules/<crate>/src/<file>.rs::<fn>` as a
function `fn <fn>(` in that file, `unit <path>::<fn>` alike, a bare `unit <fn>` in any module
source, and a molecule scenario's quoted task name in its converge.yml. Exits 1 naming each
missing one, so a claim in the table cannot outlive its test."""

import glob
import os
import re
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(REPO, "docs", "lockout-guards.md")


def rows(text):
    section = text.split("## Access paths", 1)[1].split("\n## ", 1)[0]
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0] not in ("access path", "---"):
            yield cells[0], cells[3]


def fn_in(path, name):
    try:
        with open(os.path.join(REPO, path), encoding="utf-8") as f:
            return re.search(r"\bfn %s\(" % re.escape(name), f.read()) is not None
    except OSError:
        return False


def main():
    with open(DOC, encoding="utf-8") as f:
        text = f.read()
    missing, count = [], 0
    sources = glob.glob(os.path.join(REPO, "modules", "*", "src", "*.rs"))
    for path_name, tests in rows(text):
        found_any = False
        for ref in re.findall(r"`([^`]+)`", tests):
            if "::" in ref:
                f, name = ref.rsplit("::", 1)
                count += 1
                found_any = True
                if not fn_in(f, name):
                    missing.append("%s: %s" % (path_name, ref))
            elif re.fullmatch(r"[a-z0-9_]+", ref) and tests.split(ref)[0].rstrip().endswith("unit"):
                count += 1
                found_any = True
                if not any(fn_in(os.path.relpath(s, REPO), ref) for s in sources):
                    missing.append("%s: unit %s" % (path_name, ref))
        for scenario, names in re.findall(r"molecule `([a-z0-9_]+)` ((?:\"[^\"]+\"(?:, )?)+)", tests):
            conv = os.path.join(REPO, "molecule", scenario, "converge.yml")
            body = open(conv, encoding="utf-8").read() if os.path.exists(conv) else ""
            for n in re.findall(r"\"([^\"]+)\"", names):
                count += 1
                found_any = True
                if ("name: " + n) not in body:
                    missing.append("%s: molecule %s task '%s'" % (path_name, scenario, n))
        if not found_any:
            missing.append("%s: names no test" % path_name)
    for m in missing:
        print("lockout table: missing " + m)
    print("lockout table: %d test references, %d missing" % (count, len(missing)))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
