#!/usr/bin/env bash
# Checks the fleet reports audit.yml wrote in each DIR against its own JSON reports: the JUnit XML
# parses and has one testcase per host and control with a failure exactly where a control has
# findings; the HTML, rendered in headless Chromium (Debian's package), has its script run, the
# host x control matrix (a row per host, a cell per control, coloured by status) and the chart (a
# bar per control); a screenshot of it is saved as DIR/fleet.png.
# Usage: scripts/check-reports.sh DIR...
source "$(dirname "$0")/env.sh"
for dir in "$@"; do
  chromium --headless --no-sandbox --disable-gpu --dump-dom "file://$dir/fleet.html" 2>/dev/null > "$dir/fleet.dom.html"
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
        if failed:
            for f in want[name]["findings"]:
                assert f["control"] in t.find("failure").text, (h, name)
        failures += failed
    cases += len(got)
assert int(root.get("tests")) == cases and int(root.get("failures")) == failures

# HTML as Chromium rendered it: script ran, matrix and chart present and complete
class Dom(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.ready, self.rows, self.cells, self.bars = [], False, [], {}, 0
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
    def handle_endtag(self, tag):
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
png = os.path.join(d, "fleet.png")
assert os.path.getsize(png) > 10000, "screenshot too small"
print("%s: JUnit %d testcases, %d failing; HTML (Chromium) matrix %d hosts x %d controls, %d bars; %s"
      % (d, cases, failures, len(hosts), len(controls), dom.bars, png))
PY
done
