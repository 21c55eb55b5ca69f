#!/usr/bin/env bash
# Automation Hub's importer (galaxy-importer, pinned) on the built artifact, without network:
# the artifact imports with no error and no warning, and its content list is the collection:
# every module (with its short description), the action plugins, the role and the playbooks.
#
# Configured to run locally (scripts/importer.cfg): ansible-doc and ansible-lint (offline) run as
# on Automation Hub. Its ansible-test step is off: galaxy-importer runs ansible-test only with
# --docker or in its own image, both built from a quay.io base image this machine cannot reach;
# the same ansible-test sanity runs locally, every test, in .ci/run's sanity step.
# The importer's venv is cached under $CACHE (its own ansible-lint: galaxy-importer caps it).
# Usage: scripts/importer.sh ARTIFACT
source "$(dirname "$0")/env.sh"
GALAXY_IMPORTER=0.4.40
# galaxy-importer 0.4.40 accepts ansible-lint up to 26.6.0 (its setup.cfg); ansible-core as ours
PINS=("galaxy-importer==$GALAXY_IMPORTER" "ansible-lint==26.6.0" "ansible-core==2.19.14")
artifact=${1:?the collection artifact}
artifact=$(realpath "$artifact")
dir=$CACHE/importer-$(printf '%s\n' "${PINS[@]}" | sha256sum | cut -c1-12)
if [ ! -f "$dir/.complete" ]; then
  rm -rf "$dir"
  python3 -m venv "$dir"
  "$dir/bin/pip" install -q --disable-pip-version-check "${PINS[@]}"
  touch "$dir/.complete"
fi
work=$(mktemp -d /var/tmp/hardening-importer.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp "$REPO/scripts/importer.cfg" "$work/importer.cfg"
echo "ansible_local_tmp = $work/ansible-tmp" >> "$work/importer.cfg"
echo "tmp_root_dir = $work" >> "$work/importer.cfg"
# Automation Hub refuses an artifact whose galaxy.yml names no source repository; this project's
# is not published yet, so a copy with a stand-in URL is imported (said here, loudly), and every
# other check runs on the artifact as built
python3 - "$artifact" "$work/$(basename "$artifact")" <<'PY'
import io, json, sys, tarfile
src, dst = sys.argv[1:]
with tarfile.open(src) as t:
    members = [(m, t.extractfile(m).read() if m.isfile() else None) for m in t.getmembers()]
with tarfile.open(dst, "w:gz") as out:
    for m, data in members:
        if m.name == "MANIFEST.json":
            manifest = json.loads(data)
            if not manifest["collection_info"].get("repository"):
                print("NOTE: galaxy.yml names no repository (Automation Hub requires one): imported with a stand-in")
                manifest["collection_info"]["repository"] = "https://example.invalid/hardening-rhel"
            data = json.dumps(manifest, indent=4).encode()
            m.size = len(data)
        out.addfile(m, io.BytesIO(data) if data is not None else None)
PY
rc=0
(cd "$work" && unshare -n env -u ANSIBLE_COLLECTIONS_PATH -u ANSIBLE_CONFIG HOME="$work" \
  GALAXY_IMPORTER_CONFIG="$work/importer.cfg" PATH="$dir/bin:/usr/bin:/bin" \
  "$dir/bin/python3" -m galaxy_importer.main "$(basename "$artifact")") > "$work/log" 2>&1 || rc=1
cat "$work/log"
[ $rc = 0 ] || { echo "galaxy-importer exited with an error"; exit 1; }
"$VENV/bin/python3" "$REPO/scripts/check-import.py" "$REPO/collection" "$work/importer_result.json" "$work/log"
