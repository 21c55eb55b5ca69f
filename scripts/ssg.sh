#!/usr/bin/env bash
# SSG 0.1.76's RHEL 8, 9 and 10 datastreams (Debian trixie's ssg-nondebian), fetched once with
# the trixie test image's own APT sources (the machine's Debian mirror) into $CACHE/ssg-trixie/
# <version>/; prints that directory. Used by scripts/gen-references.py (the references table)
# and molecule/openscap (the agreement with OpenSCAP).
# Usage: scripts/ssg.sh   (HARDENING_TEST_IMAGE_TRIXIE: the trixie test image, else built/cached)
source "$(dirname "$0")/env.sh"
SSG76=$CACHE/ssg-trixie
if ! ls "$SSG76"/0.1.76*/ssg-rhel10-ds.xml >/dev/null 2>&1; then
  image=${HARDENING_TEST_IMAGE_TRIXIE:-$(bash "$REPO/molecule/image/build.sh" trixie | tail -n 1)}
  mkdir -p "$SSG76"
  log "fetching ssg-nondebian with $image" >&2
  podman run --rm -v "$SSG76:/out" "$image" sh -c \
    'apt-get update -qq && cd /out && apt-get download -qq ssg-nondebian' >&2
  deb=$(ls "$SSG76"/ssg-nondebian_0.1.76*_all.deb | tail -n 1)
  v=$(dpkg-deb -f "$deb" Version)
  mkdir -p "$SSG76/$v"
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$SSG76/$v" --strip-components=7 \
    ./usr/share/xml/scap/ssg/content/ssg-rhel8-ds.xml ./usr/share/xml/scap/ssg/content/ssg-rhel9-ds.xml \
    ./usr/share/xml/scap/ssg/content/ssg-rhel10-ds.xml
fi
ls -d "$SSG76"/0.1.76*/ | tail -n 1
