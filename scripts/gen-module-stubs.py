#!/usr/bin/env python3
"""Writes the documentation-only module files plugins/modules/<module>.py of the collection from
its sidecar docs plugins/modules/<module>.yml (the source, what tests/docs.rs holds equal to each
module's parameter spec).

Why: the modules are native binaries (files/modules/x86_64/<module>,
files/modules/aarch64/<module>), run by their action plugins. ansible-doc documents a binary
from its sidecar, but its listing (``ansible-doc -l``) reads the file itself, and Automation Hub's
importer builds its content list from .py plugin files: both need a .py per module. A file with
only DOCUMENTATION, EXAMPLES and RETURN is the documentation-only module form ansible-core uses
for modules that are action plugins (validate-modules checks its docs, and nothing else).

Each section's text is the sidecar's own (de-indented, comments and layout kept), checked to load
to exactly what the sidecar says; a text that a Python raw string cannot hold fails the build.

Usage: gen-module-stubs.py SIDECAR_DIR [--check]   (--check: the .py files are what this writes)
"""

import glob
import os
import sys

import yaml

HEADER = '''# -*- coding: utf-8 -*-
# Copyright: hardening.rhel developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Documentation of hardening.rhel.{name}, generated from {name}.yml by scripts/gen-module-stubs.py.

The module is a native binary (files/modules/x86_64/{name}, files/modules/aarch64/{name})
run by its action plugin (plugins/action/{name}.py); this file holds its documentation only.
"""

from __future__ import annotations
'''

SECTIONS = ("DOCUMENTATION", "EXAMPLES", "RETURN")


def sections(path):
    """The sidecar's top-level sections as text, each de-indented to a YAML document of its own."""
    lines = open(path, encoding="utf-8").read().split("\n")
    out, name, body = {}, None, []
    for line in lines + ["END:"]:
        top = line[:1] not in ("", " ", "#", "-") and line.rstrip().endswith((":", ": |"))
        if top or line == "END:":
            if name:
                out[name] = body
            name, body = line.split(":", 1)[0], []
            continue
        if name:
            body.append(line)
    texts = {}
    for key in SECTIONS:
        if key not in out:
            sys.exit("%s: no %s section" % (path, key))
        body = out[key]
        while body and not body[-1].strip():
            body.pop()
        for ln in body:
            if ln.strip() and not ln.startswith("  "):
                sys.exit("%s: %s: a line not indented by two spaces: %r" % (path, key, ln))
        texts[key] = "\n".join(ln[2:] for ln in body) + "\n"
    return texts


def stub(path):
    name = os.path.basename(path)[:-4]
    doc = yaml.safe_load(open(path, encoding="utf-8"))
    if set(doc) != set(SECTIONS):
        sys.exit("%s: top-level keys %s, expected %s" % (path, sorted(doc), list(SECTIONS)))
    if doc["DOCUMENTATION"].get("module") != name:
        sys.exit("%s: DOCUMENTATION.module is not %s" % (path, name))
    texts = sections(path)
    parts = [HEADER.format(name=name)]
    for key in SECTIONS:
        text = texts[key]
        # the text must mean in YAML what the sidecar says (EXAMPLES: the block scalar's string)
        loaded = text if key == "EXAMPLES" else yaml.safe_load(text)
        if loaded != doc[key]:
            sys.exit("%s: %s: the de-indented text does not load to the sidecar's value" % (path, key))
        if "'''" in text or text.rstrip("\n").endswith("\\"):
            sys.exit("%s: %s: text a Python r''' string cannot hold" % (path, key))
        parts.append("\n%s = r'''\n%s'''\n" % (key, text))
    out = "".join(parts)
    ns = {}
    exec(compile(out, name + ".py", "exec"), ns)  # noqa: S102 - our own generated text
    for key in SECTIONS:
        back = ns[key][1:] if key == "EXAMPLES" else yaml.safe_load(ns[key])
        if back != doc[key]:
            sys.exit("%s: %s of the generated file differs from the sidecar" % (path, key))
    return name, out


def main():
    args = sys.argv[1:]
    check = "--check" in args
    args = [a for a in args if a != "--check"]
    if len(args) != 1:
        sys.exit(__doc__)
    sidecars = sorted(glob.glob(os.path.join(args[0], "*.yml")))
    if not sidecars:
        sys.exit("no sidecar docs in %s" % args[0])
    bad = 0
    for path in sidecars:
        name, text = stub(path)
        target = os.path.join(args[0], name + ".py")
        if check:
            have = open(target, encoding="utf-8").read() if os.path.exists(target) else None
            if have != text:
                print("%s is not what %s gives" % (target, path))
                bad += 1
        else:
            with open(target + ".tmp", "w", encoding="utf-8") as f:
                f.write(text)
            os.rename(target + ".tmp", target)
            print("%s: documentation-only module file" % target)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
