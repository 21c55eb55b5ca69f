#!/usr/bin/env bash
# Builds the module binaries for RHEL 8+ (glibc 2.28) on x86_64 and aarch64, in the release
# build root (scripts/buildroot.sh: Debian trixie's Rust, nothing of the host's toolchain), with
# std rebuilt under the workspace's size profile, and the collection artifact
# dist/hardening-rhel-<version>.tar.gz. Checks each binary's architecture and newest glibc
# symbol; sizes per architecture in dist/sizes.txt.
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
targets=()
for a in $ARCHES; do targets+=(--target "$a-unknown-linux-gnu.$GLIBC"); done
pkgs=(-p hardening-rhel)
for m in $mods; do pkgs+=(-p "$m"); done
# the Ansible-free profile must be what harden.yml and its defaults give (hardening-rhel embeds it)
python3 "$REPO/scripts/gen-profile.py" --check
log "release build of $(echo $mods) for $(echo $ARCHES), glibc $GLIBC, std rebuilt with the size profile"
# -Zbuild-std on Debian's stable rustc (RUSTC_BOOTSTRAP=1) with rust-src of the same version:
# std compiled with opt-level s, LTO and panic=abort like the modules (18-24 % smaller binaries).
# panic_abort only, never panic_immediate_abort: a panic must still print its JSON failure.
in_buildroot env RUSTC_BOOTSTRAP=1 cargo zigbuild --release --quiet -Zbuild-std=std,panic_abort \
  "${targets[@]}" "${pkgs[@]}"

mkdir -p "$DIST"
rm -rf "$BIN_ROOT" collection/plugins/modules/__* collection/files/hardening-rhel collection/files/__* collection/files/modules
: > "$DIST/sizes.txt"
for a in $ARCHES; do
  case $a in
    x86_64) machine=62; cli=collection/files ;;   # ELF e_machine EM_X86_64
    aarch64) machine=183; cli=collection/files/__aarch64 ;;   # EM_AARCH64
    *) echo "no collection layout for $a" >&2; exit 1 ;;
  esac
  # the module binaries: files/modules/<arch>/ (the action plugins run them; outside plugins/,
  # where ansible-test and Automation Hub's checks read every file as Python or PowerShell)
  dir=collection/files/modules/$a
  mkdir -p "$BIN_ROOT/$a" "$dir" "$cli"
  for m in $mods hardening-rhel; do
    bin=$BUILD_TARGET_DIR/$a-unknown-linux-gnu/release/$m
    # the ELF header's e_machine (the host's objdump may not know aarch64; its -T reads any ELF)
    [ "$(od -An -tu2 -j18 -N2 "$bin" | tr -d ' ')" = "$machine" ] || { echo "$bin is not an $a binary" >&2; exit 1; }
    newest=$(objdump -T "$bin" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -Vu | tail -n 1)
    if [ "$(printf '%s\n%s\n' "$newest" "$GLIBC" | sort -V | tail -n 1)" != "$GLIBC" ]; then
      echo "$m ($a) needs glibc $newest, newer than $GLIBC (RHEL 8)" >&2
      exit 1
    fi
    install -m 0755 "$bin" "$BIN_ROOT/$a/$m"
    if [ "$m" = hardening-rhel ]; then
      install -m 0755 "$bin" "$cli/$m"   # files/: not a module (docs/images.md)
    else
      install -m 0755 "$bin" "$dir/$m"
    fi
    printf '%-8s %-20s %8d bytes  newest glibc symbol %s\n' "$a" "$m" "$(stat -c %s "$bin")" "$newest" \
      | tee -a "$DIST/sizes.txt"
  done
done

# plugins/modules/<module>.py: each module's documentation (from its sidecar), the file
# ansible-doc and Automation Hub's importer read; the binaries are in files/modules/<arch>/
rm -f collection/plugins/modules/*.py
for m in $mods; do
  [ -f "collection/plugins/modules/$m.yml" ] || { echo "no sidecar docs collection/plugins/modules/$m.yml" >&2; exit 1; }
done
python3 scripts/gen-module-stubs.py collection/plugins/modules
log "collection artifact"
ansible-galaxy collection build collection --output-path "$DIST" --force
echo "$DIST/hardening-rhel-$version.tar.gz"
