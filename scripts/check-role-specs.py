#!/usr/bin/env python3
"""The role's argument specs document exactly its defaults: every entry point (main, harden,
audit) lists every variable of defaults/main.yml and nothing else. Prints the number of
variables; exits naming the difference otherwise.

    check-role-specs.py ROLE_DIR
"""
import sys

import yaml

role = sys.argv[1]
with open(role + "/meta/argument_specs.yml") as f:
    specs = yaml.safe_load(f)["argument_specs"]
with open(role + "/defaults/main.yml") as f:
    defaults = set(yaml.safe_load(f))
for entry, spec in specs.items():
    if set(spec["options"]) != defaults:
        sys.exit("entry point %s: documented but no default: %s; default but not documented: %s"
                 % (entry, set(spec["options"]) - defaults, defaults - set(spec["options"])))
print(len(defaults))
