#!/usr/bin/env python3
"""Derives the Ansible-free profile of `hardening-rhel apply` from the role hardening.rhel.hardening
(collection/roles/hardening: its `harden` entry point and its defaults), as Ansible itself
evaluates them (its templating engine, the venv's ansible-core): each hardening.rhel task whose
`when` holds becomes a step with its templated arguments (a loop, a step per item).

    gen-profile.py NAME [VAR=JSON | {JSON object} ...]
                                         print the profile (NAME: baseline, stig; the variables given
                                         override the defaults, as -e does)
    gen-profile.py --check               fail when collection/files/profiles/ differs from this
    gen-profile.py --write               write collection/files/profiles/

The profile is for a target that is not a running system (hardening_offline: true, docs/images.md): a task that needs Ansible there (a Python module whose `when` holds) is an error, and a
skipped task's registered result is what Ansible registers for a skipped task.
"""

import json
import os
import sys

from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "collection", "files", "profiles")
PROFILES = {"baseline": {"hardening_profile": "baseline"}, "stig": {"hardening_profile": "stig"}}
# reporting tasks of the play (tags: [always]): what waits for a reboot; not steps
REPORTING = {"ansible.builtin.set_fact", "ansible.builtin.debug", "ansible.builtin.reboot"}
# the entry point's first task: the profile check (tasks/main.yml), not a step
SKIPPED = {"ansible.builtin.import_tasks"}
ROLE = os.path.join(REPO, "collection", "roles", "hardening")


def generate(name, overrides):
    loader = DataLoader()
    defaults = loader.load_from_file(os.path.join(ROLE, "defaults", "main.yml"), trusted_as_template=True)
    tasks = loader.load_from_file(os.path.join(ROLE, "tasks", "harden.yml"), trusted_as_template=True)
    variables = dict(defaults)
    variables.update(PROFILES[name])
    variables.update(overrides)
    variables["hardening_offline"] = True
    steps = []
    for i, task in enumerate(tasks):
        action = [k for k in task if "." in k]
        if len(action) != 1:
            sys.exit("task %r: cannot tell its module" % task.get("name"))
        action = action[0]
        if action in REPORTING or action in SKIPPED:
            continue
        # a loop is a step per item (Ansible evaluates `when` per item, with `item` set)
        items = None
        if "loop" in task:
            items = Templar(loader=loader, variables=variables).template(task["loop"])
        for item in (items if items is not None else [None]):
            scope = dict(variables, item=item) if items is not None else variables
            templar = Templar(loader=loader, variables=scope)
            when = task.get("when", [])
            # a list of conditions holds when each does, as Ansible reads it
            runs = all(templar.evaluate_conditional(w) for w in (when if isinstance(when, list) else [when]))
            if "register" in task and not runs and items is None:
                variables[task["register"]] = {"skipped": True, "changed": False}
            if not runs:
                continue
            if not action.startswith("hardening.rhel."):
                sys.exit("task %r (%s) runs with these variables and needs Ansible: not a profile step"
                         % (task["name"], action))
            # a result later steps' arguments read (directly or through a default) is unknown here
            later = json.dumps([defaults] + [t for t in tasks[i + 1:] if not REPORTING & set(t)])
            if "register" in task and task["register"] in later:
                sys.exit("task %r registers %s, which later tasks read: a profile cannot know it"
                         % (task["name"], task["register"]))
            args = templar.template(task[action])
            step = task["name"] if items is None else "%s (%s)" % (task["name"], item)
            steps.append({"name": step, "module": action.rsplit(".", 1)[1], "args": args})
    doc = {
        "profile": name,
        "generated_by": "scripts/gen-profile.py from the role hardening.rhel.hardening (harden) and its defaults"
                        " (hardening_offline: true); do not edit, regenerate",
        "steps": steps,
    }
    return json.dumps(doc, indent=2, sort_keys=False) + "\n"


def main(argv):
    if argv == ["--check"]:
        bad = []
        for name in PROFILES:
            path = os.path.join(OUT, name + ".json")
            with open(path, encoding="utf-8") as f:
                if f.read() != generate(name, {}):
                    bad.append(path)
        if bad:
            sys.exit("%s: differ from what the role hardening.rhel.hardening (harden) and its defaults give; run "
                     "scripts/gen-profile.py --write" % ", ".join(bad))
        print("profiles agree with the role hardening.rhel.hardening (harden): %s" % ", ".join(sorted(PROFILES)))
        return
    if argv == ["--write"]:
        os.makedirs(OUT, exist_ok=True)
        for name in PROFILES:
            with open(os.path.join(OUT, name + ".json"), "w", encoding="utf-8") as f:
                f.write(generate(name, {}))
        return
    if not argv or argv[0] not in PROFILES:
        sys.exit(__doc__)
    overrides = {}
    for a in argv[1:]:
        if a.lstrip().startswith("{"):
            overrides.update(json.loads(a))
        else:
            k, _, v = a.partition("=")
            overrides[k] = json.loads(v)
    sys.stdout.write(generate(argv[0], overrides))


if __name__ == "__main__":
    main(sys.argv[1:])
