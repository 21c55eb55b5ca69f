#!/usr/bin/env python3
"""Per-task medians from an ansible.posix.json callback output and the ssh-count log:
summarize.py RESULT.json SSH.log LABEL -> one line per item: label, item, median ms, ssh processes
started during the task (median), changed/failed counts."""
import datetime
import json
import statistics
import sys

res = json.load(open(sys.argv[1]))
starts = []
for line in open(sys.argv[2]):
    t, prog = line.split()
    starts.append(float(t))
label = sys.argv[3]


def ts(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


by = {}
for play in res["plays"]:
    for task in play["tasks"]:
        name = task["task"]["name"]
        if not name.startswith("measure "):
            continue
        item = name[len("measure "):]
        a, b = ts(task["task"]["duration"]["start"]), ts(task["task"]["duration"]["end"])
        procs = sum(1 for t in starts if a <= t <= b)
        host = list(task["hosts"].values())[0]
        by.setdefault(item, []).append(((b - a) * 1000, procs, bool(host.get("changed")), bool(host.get("failed")),
                                        host.get("hardening_delivery", "")))
for item, rows in by.items():
    ms = statistics.median(r[0] for r in rows)
    procs = statistics.median(r[1] for r in rows)
    changed = sum(r[2] for r in rows)
    failed = sum(r[3] for r in rows)
    how = ",".join(sorted({r[4] for r in rows if r[4]}))
    print("%-22s %-18s %7.0f ms  ssh %4.1f  n=%d changed=%d failed=%d %s" % (label, item, ms, procs, len(rows), changed, failed, how))
