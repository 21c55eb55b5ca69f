#!/usr/bin/env bash
# Checks the fleet reports audit.yml wrote in each DIR against its own JSON reports: the JUnit XML
# parses and has one testcase per host and control with a failure exactly where a control has
# findings; the HTML, rendered in headless Chromium (Debian's package), has its script run, the
# host x control matrix (a row per host, a cell per control, coloured by status) and the chart (a
# bar per control), each control's and finding's references as the JSON reports have them, and its
# sorting: Chromium loads fleet.html#sort=... (the page clicks that header itself, as a link to a
# sorted view does) and the rows come back in the order asked; a screenshot is saved as DIR/fleet.png.
# Usage: scripts/check-reports.sh DIR...
source "$(dirname "$0")/env.sh"
for dir in "$@"; do
  chromium --headless --no-sandbox --disable-gpu --dump-dom "file://$dir/fleet.html" 2>/dev/null > "$dir/fleet.dom.html"
  for sort in matrix:0:desc matrix:2 findings:1; do
    chromium --headless --no-sandbox --disable-gpu --dump-dom "file://$dir/fleet.html#sort=$sort" 2>/dev/null \
      > "$dir/fleet.sorted-$sort.dom.html"
  done
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1200,1000 \
    --screenshot="$dir/fleet.png" "file://$dir/fleet.html" >/dev/null 2>&1
  python3 - "$dir" <<'PY'
import glob, json, os, sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

d = sys.argv[1]
hosts = {}
for p in glob.glob(os.path.join(d, "*.json")):
    if os.path.basename(p) != "fleet.json":
        r = json.load(open(p))
        hosts[r["host"]] = r
assert hosts, "no host reports in %s" % d

# JUnit: a testsuite per host, a testcase per control, a failure where the control has findings
root = ET.parse(os.path.join(d, "fleet.junit.xml")).getroot()
suites = {s.get("name"): s for s in root.iter("testsuite")}
assert set(suites) == set(hosts), (set(suites), set(hosts))
cases = failures = 0
for h, r in hosts.items():
    want = {c["control"]: c for c in r["controls"]}
    got = {t.get("name"): t for t in suites[h].iter("testcase")}
    assert set(got) == set(want), (h, set(got) ^ set(want))
    for name, t in got.items():
        failed = t.find("failure") is not None
        assert failed == bool(want[name]["findings"]), (h, name)
        props = {}
        for p in t.iter("property"):
            props.setdefault(p.get("name"), []).append(p.get("value"))
        refs = {k: v for k, v in want[name]["references"].items() if v}
        assert props == refs, (h, name, props, refs)
        if failed:
            for f in want[name]["findings"]:
                assert f["control"] in t.find("failure").text, (h, name)
            for v in refs.get("ssg", []):
                assert v in t.find("failure").text, (h, name, v)
        failures += failed
    cases += len(got)
assert int(root.get("tests")) == cases and int(root.get("failures")) == failures

# HTML as Chromium rendered it: script ran, matrix and chart present and complete
class Dom(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.ready, self.rows, self.cells, self.bars = [], False, [], {}, 0
        self.tables, self.td, self.text = {}, None, ""
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "body" and a.get("data-ready") == "sortable":
            self.ready = True
        if a.get("id"):
            self.stack.append(a["id"])
        where = self.stack[-1] if self.stack else None
        if where == "matrix" and tag == "td" and "title" in a:
            host, _, rest = a["title"].partition(" / ")
            control, _, status = rest.rpartition(": ")
            self.cells[(host, control)] = (a.get("class"), status)
        if where == "chart" and tag == "g" and a.get("class") == "bar":
            self.bars += 1
        if tag == "tr" and where in ("matrix", "findings", "references"):
            self.tables.setdefault(where, []).append([])
        if tag == "td" and where in self.tables:
            self.td, self.text = a, ""
    def handle_data(self, data):
        if self.td is not None:
            self.text += data
    def handle_endtag(self, tag):
        if tag == "td" and self.td is not None:
            self.tables[self.stack[-1]][-1].append((self.text.strip(), self.td))
            self.td = None
        if tag in ("table", "svg") and self.stack:
            self.stack.pop()

dom = Dom()
dom.feed(open(os.path.join(d, "fleet.dom.html")).read())
assert dom.ready, "the report's script did not run"
controls = {c["control"] for r in hosts.values() for c in r["controls"]}
for h, r in hosts.items():
    for c in r["controls"]:
        assert dom.cells.get((h, c["control"])) == (c["status"], c["status"]), (h, c, dom.cells.get((h, c["control"])))
assert dom.bars == len(controls), (dom.bars, len(controls))
# every control's references, and each finding's
refs = {c["control"]: c["references"] for r in hosts.values() for c in r["controls"]}
rows = {r[0][0]: r[2][0] for r in dom.tables["references"] if r}
assert set(rows) == controls, set(rows) ^ controls
for c, r in refs.items():
    for v in r["ssg"] + r["stig_rhel9"] + r["stig_rhel10"] + r["cis_rhel9"] + r["cis_rhel10"]:
        assert v in rows[c], (c, v, rows[c])
    assert r["ssg"] or rows[c] == "no SSG rule", (c, rows[c])
findings = [f for r in hosts.values() for f in r["findings"]]
assert len([r for r in dom.tables.get("findings", []) if r]) == len(findings)
for row in dom.tables.get("findings", []):
    if row:
        f = [f for f in findings if f["control"] == row[2][0]][0]
        for v in f["references"]["ssg"]:
            assert v in row[7][0], (row, v)

# sorting, as a click on the header does it
def table(name, sort):
    t = Dom()
    t.feed(open(os.path.join(d, "fleet.sorted-%s.dom.html" % sort)).read())
    assert t.ready
    return [r for r in t.tables[name] if r]
by_host = [r[0][0] for r in table("matrix", "matrix:0:desc")]
assert by_host == sorted(hosts, reverse=True), by_host
order = {"fail": 0, "pending": 1, "pass": 2, "none": 3}
first = [order[r[2][1].get("class")] for r in table("matrix", "matrix:2")]
assert first == sorted(first), first
by_control = [r[1][0] for r in table("findings", "findings:1")]
assert by_control == sorted(by_control), by_control
png = os.path.join(d, "fleet.png")
assert os.path.getsize(png) > 10000, "screenshot too small"
print("%s: JUnit %d testcases, %d failing, references as properties; HTML (Chromium) matrix %d hosts x "
      "%d controls, %d bars, references of %d controls and %d findings, sorted by host, status and "
      "control; %s" % (d, cases, failures, len(hosts), len(controls), dom.bars, len(rows), len(findings), png))
PY
done
