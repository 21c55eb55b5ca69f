#!/usr/bin/env bash
# Builds the module binaries for RHEL 8+ (glibc 2.28) and the collection artifact
# dist/hardening-rhel-<version>.tar.gz. Prints each binary's size and newest glibc symbol.
source "$(dirname "$0")/env.sh"
bash "$REPO/scripts/setup.sh"
cd "$REPO"

version=$(sed -n 's/^version: *//p' collection/galaxy.yml)
crate_version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)
if [ "$version" != "$crate_version" ]; then
  echo "collection/galaxy.yml version $version differs from Cargo.toml's $crate_version" >&2
  exit 1
fi

mods=$(modules)
log "release build of $(echo $mods) for $TARGET, glibc $GLIBC"
pkgs=()
for m in $mods; do pkgs+=(-p "$m"); done
cargo zigbuild --release --quiet --target "$TARGET.$GLIBC" "${pkgs[@]}"

mkdir -p "$DIST"
: > "$DIST/sizes.txt"
for m in $mods; do
  bin=$RELEASE_DIR/$m
  newest=$(objdump -T "$bin" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -Vu | tail -n 1)
  if [ "$(printf '%s\n%s\n' "$newest" "$GLIBC" | sort -V | tail -n 1)" != "$GLIBC" ]; then
    echo "$m needs glibc $newest, newer than $GLIBC (RHEL 8)" >&2
    exit 1
  fi
  [ -f "collection/plugins/modules/$m.yml" ] || { echo "no sidecar docs collection/plugins/modules/$m.yml" >&2; exit 1; }
  install -m 0755 "$bin" "collection/plugins/modules/$m"
  printf '%-20s %8d bytes  newest glibc symbol %s\n' "$m" "$(stat -c %s "$bin")" "$newest" | tee -a "$DIST/sizes.txt"
done

log "collection artifact"
ansible-galaxy collection build collection --output-path "$DIST" --force
echo "$DIST/hardening-rhel-$version.tar.gz"
