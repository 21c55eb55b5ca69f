#!/usr/bin/env python3
"""Compares docs/firewalld-dbus.md's table with what a running firewalld declares.

Usage: check-dbus.py DOC INTROSPECTION VERSION
INTROSPECTION: the output of `busctl introspect org.fedoraproject.FirewallD1 OBJECT` for each
object the table names (.../config/zone/N as .../config/zone/0), each preceded by a line
`== OBJECT`. Exits 1, naming the row, when a member is not declared or its signature differs.
"""
import re
import sys

doc, intro, version = sys.argv[1], sys.argv[2], sys.argv[3]
ROW = re.compile(r"\| `(\w+)`[^|]*\| `([^`]+)` \| `([^`]+)` \| (`[^`]*`|) *\| `([^`]+)` \|")
rows = [m.groups() for m in map(ROW.match, open(doc, encoding="utf-8")) if m]

# (object, interface, member) -> (kind, signature in or type, result)
declared = {}
obj = iface = None
for line in open(intro, encoding="utf-8"):
    if line.startswith("== "):
        obj, iface = line[3:].strip(), None
        continue
    f = line.split()
    if len(f) >= 4 and f[1] == "interface":
        iface = f[0]
    elif len(f) >= 4 and f[0].startswith(".") and obj and iface:
        declared[(obj, iface, f[0][1:])] = (f[1], f[2], f[3])

bad = []
for member, path, iface, sig_in, sig_out in rows:
    got = declared.get((path.replace("/zone/N", "/zone/0"), iface, member))
    if got is None:
        bad.append(f"{member} ({iface} at {path}): not declared by firewalld {version}")
    elif not sig_in:  # a property: its type
        if got[:2] != ("property", sig_out):
            bad.append(f"{member}: firewalld {version} declares a {got[0]} of {got[1]}, the table a property of {sig_out}")
    elif got != ("method", sig_in.strip("`"), sig_out):
        bad.append(f"{member}: firewalld {version} declares a {got[0]} {got[1]} -> {got[2]}, the table {sig_in} -> {sig_out}")
if len(rows) < 15:
    bad.append(f"only {len(rows)} rows read from {doc}")
if bad:
    sys.exit("\n".join(bad))
print(f"firewalld {version}: the {len(rows)} members of {doc} declared as documented")
