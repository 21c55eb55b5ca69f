#!/usr/bin/python3
"""Stand-in for fapolicyd's rpmdb trust backend, which Debian's fapolicyd lacks: writes
/etc/fapolicyd/trust.d/90-dpkg-standin.trust with every regular file dpkg installed (and the
Python bytecode compiled at install time, which RPM packages ship) as `path size sha256`, the
trust file format. On RHEL the rpmdb backend trusts exactly the installed packages' files."""
import glob
import hashlib
import os
import subprocess

OUT = "/etc/fapolicyd/trust.d/90-dpkg-standin.trust"
pkgs = subprocess.run(["/usr/bin/dpkg-query", "-W", "-f", "${Package}\n"], check=True,
                      capture_output=True, text=True).stdout.split()
listed = subprocess.run(["/usr/bin/dpkg-query", "-L"] + pkgs, capture_output=True, text=True).stdout
paths = set(listed.splitlines()) | set(glob.glob("/usr/lib/python3*/**/*.pyc", recursive=True))
lines = []
for p in sorted(paths):
    if not p.startswith("/") or " " in p or os.path.islink(p) or not os.path.isfile(p):
        continue
    with open(p, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    lines.append("%s %d %s\n" % (p, os.path.getsize(p), digest))
with open(OUT, "w") as f:
    f.write("# stand-in for the rpmdb backend (molecule/stig/dpkg-trust.py): dpkg's files\n")
    f.writelines(lines)
print(len(lines))
