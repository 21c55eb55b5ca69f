#!/usr/bin/env python3
"""The version being built has a release in the changelog (changelogs/changelog.yaml).

    check-changelog-release.py CHANGELOG_YAML VERSION
"""
import sys

import yaml

with open(sys.argv[1]) as f:
    releases = yaml.safe_load(f)["releases"]
if sys.argv[2] not in releases:
    sys.exit("no release %s in %s" % (sys.argv[2], sys.argv[1]))
