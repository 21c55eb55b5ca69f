#!/usr/bin/env python3
"""Writes the per-task benchmark playbook: for every measured item, a warm-up execution then K
measured ones, each its own task (the json callback times every task). Usage:
gen_tasks.py K MODE > playbook.yml, MODE: cached | uncached (the cache removed before each
execution of a hardening.rhel module, by an unmeasured raw task). ansible.posix.selinux is not
measured: the test image has no python3-selinux (libselinux's Python bindings) for it."""
import json
import os
import sys

K = int(sys.argv[1])
MODE = sys.argv[2]

ITEMS = [
    ("raw", "ansible.builtin.raw", "true"),
    ("ping", "ansible.builtin.ping", {}),
    ("setup_min", "ansible.builtin.setup", {"gather_subset": ["min"]}),
    ("noop_binary", "noop", {}),
    ("selinux", "hardening.rhel.selinux", {"state": "permissive", "policy": "default"}),
    ("crypto_policy", "hardening.rhel.crypto_policy", {"policy": "DEFAULT:NO-SHA1"}),
    ("fips", "hardening.rhel.fips", {"state": "disabled", "allow_disable": True}),
    ("firewalld_zone", "hardening.rhel.firewalld_zone", {"name": "public", "services": ["ssh"], "ports": ["2222/tcp"]}),
    ("fapolicyd_rules", "hardening.rhel.fapolicyd_rules", {"name": "10-bench", "rules": ["allow perm=execute all : all"]}),
    ("fapolicyd_config", "hardening.rhel.fapolicyd_config", {"settings": {"q_size": 640}}),
    ("fapolicyd_trust", "hardening.rhel.fapolicyd_trust", {"trust_file": "bench", "paths": ["/usr/bin/true"]}),
    ("security_facts", "hardening.rhel.security_facts", {}),
    ("posix_firewalld", "ansible.posix.firewalld",
     {"zone": "public", "service": "ssh", "permanent": True, "immediate": True, "state": "enabled"}),
]

# BENCH_ITEMS="a b": only these items
only = os.environ.get("BENCH_ITEMS", "").split()
tasks = []
for name, action, args in ITEMS:
    if only and name not in only:
        continue
    ours = action.startswith("hardening.rhel.")
    if MODE == "uncached" and not ours:
        continue
    for i in range(K + 1):
        if MODE == "uncached" and ours:
            tasks.append({"name": "unmeasured: drop the cache", "ansible.builtin.raw": "rm -rf /root/.ansible/hardening-rhel",
                          "changed_when": False})
        t = {"name": ("warmup " if i == 0 else "measure ") + name, action: args}
        if action == "ansible.builtin.raw":
            t["changed_when"] = False
        tasks.append(t)
play = [{"name": "per-task benchmark (%s)" % MODE, "hosts": "lab[0]", "gather_facts": False, "tasks": tasks}]
json.dump(play, sys.stdout, indent=1)
