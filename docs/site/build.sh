#!/usr/bin/env bash
# The collection's docs site: antsibull-docs generates reStructuredText for every module and role
# of the collection as installed (ANSIBLE_COLLECTIONS_PATH: the built artifact), Sphinx renders
# it (warnings are errors, every reference checked, nothing fetched).
# Usage: docs/site/build.sh OUT_DIR   (HTML in OUT_DIR/html)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:?usage: build.sh OUT_DIR}
rm -rf "$OUT"
mkdir -p "$OUT/rst"
chmod og-w "$OUT/rst"  # antsibull-docs wants that directory only writable by itself
antsibull-docs --config-file "$HERE/antsibull-docs.cfg" collection --cleanup everything --fail-on-error \
  --use-current --dest-dir "$OUT/rst" hardening.rhel
# the environment-variable index links into ansible-core's docs and says the collection declares
# none; the site has no such page
rm -f "$OUT/rst/collections/environment_variables.rst"
cp "$HERE/index.rst" "$OUT/rst/index.rst"
# the topic pages (Markdown, myst-parser) and the pictures they show; index.rst lists every page
mkdir -p "$OUT/rst/docs"
cp "$HERE"/../*.md "$HERE"/../*.png "$OUT/rst/docs/"
for f in "$HERE"/../*.md; do
  grep -q "^   docs/$(basename "$f" .md)$" "$HERE/index.rst" || { echo "index.rst does not list docs/$(basename "$f")" >&2; exit 1; }
done
# references into the Ansible documentation (docs.ansible.com resolves them with intersphinx,
# which fetches): one page that names each as such. A reference to a page of this collection that
# does not exist is not stubbed - the build fails on it.
python3 - "$OUT/rst" <<'PY'
import os, re, sys
root = sys.argv[1]
refs, labels = set(), set()
for d, _, files in os.walk(root):
    for f in (f for f in files if f.endswith(".rst")):
        text = open(os.path.join(d, f), encoding="utf-8").read()
        for m in re.finditer(r":ref:`(?:[^`<]*<([^>`]+)>|([^`<]+))`", text):
            refs.add((m.group(1) or m.group(2)).strip())
        labels.update(re.findall(r"^\.\. _([^:]+):$", text, re.M))
external = sorted(r for r in refs - labels if not r.startswith("ansible_collections.hardening.rhel."))
with open(os.path.join(root, "external.rst"), "w", encoding="utf-8") as f:
    f.write(":orphan:\n\nIn the Ansible documentation\n============================\n\n"
            "These are pages of the Ansible documentation (docs.ansible.com), not of this site.\n")
    for r in external:
        f.write("\n.. _%s:\n\n%s\n%s\n\nSee the Ansible documentation for ``%s``.\n" % (r, r, "-" * len(r), r))
print("external references: %s" % (", ".join(external) or "none"))
PY
sphinx-build -q -b html -c "$HERE" -W --keep-going -n "$OUT/rst" "$OUT/html"
echo "$OUT/html"
