#!/bin/sh
# Run inside a built image (not booted): prints the files hardening makes, section by section
# ("== <path>" then its content), the enablement links, leftovers that must not be there, and a
# listing of every file under the hardened directories (path and SHA-256, or link target) that
# check-files.py compares between the images.
set -u
for f in /etc/selinux/config /etc/crypto-policies/config /etc/crypto-policies/state/current \
  /etc/dracut.conf.d/40-fips.conf /usr/lib/bootc/kargs.d/40-hardening-fips.toml \
  /etc/firewalld/firewalld.conf /etc/firewalld/zones/public.xml \
  /etc/fapolicyd/rules.d/50-hardening-baseline.rules /etc/fapolicyd/compiled.rules \
  /etc/fapolicyd/fapolicyd.conf; do
  echo "== $f"
  cat "$f" 2>/dev/null || echo "(absent)"
done
echo "== links"
for u in firewalld fapolicyd; do
  echo "$u $(readlink "/etc/systemd/system/multi-user.target.wants/$u.service" || echo absent)"
done
echo "== leftovers"
for f in /.autorelabel /root/.ansible /tmp/ansible-local /tmp/ansible-remote /boot/loader/entries; do
  if [ -e "$f" ]; then echo "present $f"; fi
done
echo "== tree"
find /etc/selinux/config /etc/crypto-policies /etc/dracut.conf.d /usr/lib/bootc /etc/firewalld \
  /etc/fapolicyd /etc/systemd/system \( -type f -o -type l \) | LC_ALL=C sort | while read -r f; do
  if [ -L "$f" ]; then
    echo "$f -> $(readlink "$f")"
  else
    echo "$f $(sha256sum < "$f" | cut -c1-16)"
  fi
done
