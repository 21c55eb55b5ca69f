#!/usr/bin/env python3
"""Checks the listings image-files.sh printed for the images hardened at build time (FIPS on):
each has the hardened files, neither has leftovers, and both ways (hardening-rhel, the playbook)
made the same files. Usage: check-files.py CLI_LISTING ANSIBLE_LISTING"""

import difflib
import sys


def sections(path):
    out, name = {}, None
    with open(path, encoding="utf-8") as f:
        for line in f.read().splitlines():
            if line.startswith("== "):
                name = line[3:]
                out[name] = []
            else:
                out[name].append(line)
    return out


def check(label, s):
    bad = []

    def want(cond, what):
        if not cond:
            bad.append("%s: %s" % (label, what))

    selinux = s["/etc/selinux/config"]
    want("SELINUX=enforcing" in selinux and "SELINUXTYPE=default" in selinux,
         "SELinux config %r" % selinux)
    want(s["/etc/crypto-policies/config"] == ["FIPS"], "crypto policy config %r" % s["/etc/crypto-policies/config"])
    want(s["/etc/crypto-policies/state/current"] == ["FIPS"], "crypto policy state %r"
         % s["/etc/crypto-policies/state/current"])
    want(s["/etc/dracut.conf.d/40-fips.conf"] == ['add_dracutmodules+=" fips "'],
         "dracut config %r" % s["/etc/dracut.conf.d/40-fips.conf"])
    kargs = [l for l in s["/usr/lib/bootc/kargs.d/40-hardening-fips.toml"] if not l.startswith("#")]
    want(kargs == ['kargs = ["fips=1"]'], "kargs.d file %r" % kargs)
    want("DefaultZone=public" in s["/etc/firewalld/firewalld.conf"], "DefaultZone")
    zone = "\n".join(s["/etc/firewalld/zones/public.xml"])
    want(zone.count("<service ") == 1 and '<service name="ssh"/>' in zone, "public zone %r" % zone)
    rules = [l for l in s["/etc/fapolicyd/compiled.rules"] if l and not l.startswith("#")]
    want(rules[-1:] == ["deny_audit perm=execute all : all"]
         and "allow perm=execute all : trust=1" in rules, "compiled rules %r" % rules)
    conf = [l.replace(" ", "") for l in s["/etc/fapolicyd/fapolicyd.conf"]]
    want("permissive=0" in conf and "integrity=sha256" in conf and "uid=root" in conf,
         "fapolicyd.conf settings")
    links = dict(l.split(" ", 1) for l in s["links"])
    for u in ("firewalld", "fapolicyd"):
        want(links.get(u, "absent").endswith("/%s.service" % u), "%s not enabled: %r" % (u, links.get(u)))
    want(s["leftovers"] == [], "left in the image: %r" % s["leftovers"])
    return bad


def main(cli_path, ansible_path):
    cli, ans = sections(cli_path), sections(ansible_path)
    bad = check("hardening-rhel image", cli) + check("ansible-playbook image", ans)
    if cli["tree"] != ans["tree"]:
        bad.append("the two images' hardened files differ:\n" + "\n".join(
            difflib.unified_diff(cli["tree"], ans["tree"], "hardening-rhel", "ansible-playbook", lineterm="")))
    for b in bad:
        print("FAIL " + b)
    if bad:
        sys.exit(1)
    print("image files: both images hardened as expected; %d files under the hardened directories,"
          " identical in both" % len(cli["tree"]))


if __name__ == "__main__":
    main(*sys.argv[1:])
