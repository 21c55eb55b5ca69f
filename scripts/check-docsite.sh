#!/usr/bin/env bash
# Checks the docs site (docs/site/build.sh) as a browser renders it: every module page and the
# role page in headless Chromium (Debian's package), the options table with a row for every option
# (and alias) of the module's sidecar docs (every variable of every entry point for the role), the examples
# rendered; a screenshot of the selinux module page is saved as HTML_DIR/module.png.
# Usage: scripts/check-docsite.sh HTML_DIR
source "$(dirname "$0")/env.sh"
html=${1:?usage: check-docsite.sh HTML_DIR}
pages=$html/collections/hardening/rhel
dom=$(mktemp -d /var/tmp/hardening-docsite.XXXXXX)
trap 'rm -rf "$dom"' EXIT
for page in "$pages"/*.html; do
  chromium --headless --no-sandbox --disable-gpu --dump-dom "file://$page" 2>/dev/null > "$dom/$(basename "$page")"
done
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1200,2600 \
  --screenshot="$html/module.png" "file://$pages/selinux_module.html" >/dev/null 2>&1
python3 - "$dom" "$REPO" "$html/module.png" <<'PY'
import glob, os, re, sys
import yaml

dom, repo, png = sys.argv[1:]
checked = 0
for sidecar in sorted(glob.glob(os.path.join(repo, "collection/plugins/modules/*.yml"))):
    name = os.path.basename(sidecar)[:-4]
    doc = yaml.safe_load(open(sidecar))
    page = open(os.path.join(dom, name + "_module.html")).read()
    assert "ansible-option-table" in page, "%s: no options table" % name
    shown = set(re.findall(r'id="parameter-([a-z_]+)"', page))
    options = doc["DOCUMENTATION"]["options"]
    want = set(options) | {a for o in options.values() for a in o.get("aliases", [])}
    assert shown == want, (name, want ^ shown)
    examples = re.search(r'<section id="examples">(.*?)</section>', page, re.S)
    assert examples and "hardening.rhel.%s" % name in re.sub(r"<[^>]+>", "", examples.group(1)), \
        "%s: examples not rendered" % name
    checked += 1
role = open(os.path.join(dom, "hardening_role.html")).read()
specs = yaml.safe_load(open(os.path.join(repo, "collection/roles/hardening/meta/argument_specs.yml")))
for entry, spec in specs["argument_specs"].items():
    shown = set(re.findall(r'id="parameter-%s--([a-z_]+)"' % entry, role))
    assert shown == set(spec["options"]), (entry, shown ^ set(spec["options"]))
assert os.path.getsize(png) > 20000, "screenshot too small"
print("docs site (Chromium): %d module pages with every option and their examples; the role's %d entry "
      "points with every variable; screenshot %s" % (checked, len(specs["argument_specs"]), png))
PY
