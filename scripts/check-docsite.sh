#!/usr/bin/env bash
# Checks the docs site (docs/site/build.sh) as a browser renders it: every topic page of docs/ (its
# headings and table rows, linked from the README, which stays at most 200 lines), every module page and the
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
# the topic pages (docs/*.md)
mkdir -p "$dom/topics"
for page in "$html"/docs/*.html; do
  chromium --headless --no-sandbox --disable-gpu --dump-dom "file://$page" 2>/dev/null > "$dom/topics/$(basename "$page")"
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
# the topic pages: each docs/*.md rendered with its title, every section heading and every table
# row, its links to other pages resolving; each reachable from the README, which stays a front door
import html as htmllib
readme = open(os.path.join(repo, "README.md"), encoding="utf-8").read()
assert len(readme.splitlines()) <= 200, "README.md has %d lines (at most 200)" % len(readme.splitlines())
def text(fragment):
    plain = htmllib.unescape(re.sub(r"<[^>]+>", "", fragment))
    # Sphinx's smart quotes and dashes back to what the Markdown has
    plain = plain.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    plain = plain.replace("\u2014", "---").replace("\u2013", "--")
    return re.sub(r"\s+", " ", plain).strip()
def md_plain(line):
    return re.sub(r"\s+", " ", re.sub(r"[`*]|\[([^\]]*)\]\([^)]*\)", lambda m: m.group(1) or "", line)).strip()
topics = 0
for md in sorted(glob.glob(os.path.join(repo, "docs", "*.md"))):
    name = os.path.basename(md)[:-3]
    assert "](docs/%s.md" % name in readme, "docs/%s.md is not linked from README.md" % name
    src = open(md, encoding="utf-8").read()
    page = open(os.path.join(dom, "topics", name + ".html"), encoding="utf-8").read()
    shown = {text(h).strip("\uf0c1\u00b6# ") for h in re.findall(r"<h[12][^>]*>(.*?)</h[12]>", page, re.S)}
    fence = False
    rows = 0
    for line in src.splitlines():
        if line.startswith("```"):
            fence = not fence
        elif not fence and re.match(r"^#{1,2} ", line):
            want = text(md_plain(line.split(" ", 1)[1]))
            assert want in shown, "%s.md: heading %r not rendered (%s)" % (name, want, sorted(shown)[:5])
        elif not fence and line.startswith("|") and not re.match(r"^\|[-| :]+\|$", line):
            rows += 1
    trs = len(re.findall(r"<tr[ >]", page))
    assert trs == rows, "%s.md: %d table rows written, %d rendered" % (name, rows, trs)
    for href in re.findall(r'href="([^"#:]+\.html)(?:#[^"]*)?"', page):
        assert os.path.exists(os.path.join(os.path.dirname(png), "docs", href)), \
            "%s.md: link to %s does not resolve" % (name, href)
    topics += 1
print("docs site (Chromium): %d topic pages from docs/, every heading and table row rendered, each linked "
      "from the README (%d lines)" % (topics, len(readme.splitlines())))
print("docs site (Chromium): %d module pages with every option and their examples; the role's %d entry "
      "points with every variable; screenshot %s" % (checked, len(specs["argument_specs"]), png))
PY
