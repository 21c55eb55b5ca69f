#!/usr/bin/env python3
"""Makes SSG's RHEL 9 or 10 datastream (ssg-nondebian) evaluable in the Debian test container, and the
tailoring that selects the rules our audit maps to. What is stood in, exactly:

1. Applicability: every `<xccdf:platform>` of the benchmark, its groups and rules is removed. The
   RHEL 9 content applies only where the CPE `cpe:/o:redhat:enterprise_linux:9` (an rpm query of
   redhat-release) holds, and some rules only on `#machine` (not a container) or `#grub2` (the
   grub2-common rpm). Making the container *look* like RHEL instead (/etc/redhat-release, an rpm
   database) would change what our modules read; removing the applicability leaves every file the
   modules and the checks read as it is.
2. Packages: OVAL `rpminfo` tests, objects and states become `dpkginfo` ones (the same package
   name, asked of dpkg). Checks such as service_fapolicyd_enabled start with "package installed".
3. Values (the tailoring, an ordinary XCCDF tailoring file): the rules of references.json's
   controls selected, and the XCCDF values set to what the profile under test asks
   (var_selinux_state, var_selinux_policy_name - `default` where Debian has no `targeted` -,
   var_system_crypto_policy).

    standin-content.py DATASTREAM OUT_DATASTREAM|- OUT_TAILORING REFERENCES_JSON NAME=VALUE...
"""
import json
import re
import sys

ds_in, ds_out, tailoring_out, references = sys.argv[1:5]
values = dict(a.split("=", 1) for a in sys.argv[5:])

platforms = rpm = 0
with open(ds_in) as f:
    text = f.read()
if ds_out != "-":
    text, platforms = re.subn(r'\s*<xccdf-1\.2:platform idref="[^"]*"\s*/>', "", text)
    text, rpm = re.subn(r"(</?[\w-]+:)rpminfo_(test|object|state)\b", r"\1dpkginfo_\2", text)
    if not platforms or not rpm:
        sys.exit("datastream not as expected: %d platforms, %d rpminfo elements" % (platforms, rpm))
    with open(ds_out, "w") as f:
        f.write(text)

with open(references) as f:
    table = json.load(f)
P = "xccdf_org.ssgproject.content_"
mapped = sorted({r for rs in table["controls"].values() for r in rs})
# a rule the content does not have is not selected (SSG 0.1.76's RHEL 10 content has no
# fapolicy_default_deny, enable_dracut_fips_module, etc_system_fips_exists); compare.py says so
rules = [r for r in mapped if '"%srule_%s"' % (P, r) in text]
absent = [r for r in mapped if r not in rules]
selects = "\n".join('    <xccdf:select idref="%srule_%s" selected="true"/>' % (P, r) for r in rules)
sets = "\n".join('    <xccdf:set-value idref="%svalue_%s">%s</xccdf:set-value>' % (P, k, v)
                 for k, v in sorted(values.items()))
with open(tailoring_out, "w") as f:
    f.write("""<?xml version="1.0" encoding="UTF-8"?>
<xccdf:Tailoring xmlns:xccdf="http://checklists.nist.gov/xccdf/1.2" id="xccdf_hardening.rhel_tailoring_mapped">
  <xccdf:version time="2026-01-01T00:00:00">1</xccdf:version>
  <xccdf:Profile id="xccdf_hardening.rhel_profile_mapped">
    <xccdf:title>The SSG rules hardening.rhel's audit maps its controls to</xccdf:title>
%s
%s
  </xccdf:Profile>
</xccdf:Tailoring>
""" % (selects, sets))
print("%d platforms removed, %d rpminfo elements made dpkginfo, %d rules selected, %d values set%s"
      % (platforms, rpm, len(rules), len(values),
         "; not in this content: " + ", ".join(absent) if absent else ""))
