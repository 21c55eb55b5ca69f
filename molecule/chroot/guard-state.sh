#!/bin/bash
# The host's state that a module run in the chroot must not change (molecule/chroot): every
# file and link of the host's /etc (the chroot's /srv/root left out), the daemons' pids, the
# runtime firewall, the running SELinux mode. Prints it; verify compares before and after.
set -euo pipefail
export LC_ALL=C
find /etc -xdev -type f -print0 | sort -z | xargs -0 sha256sum
find /etc -xdev -type l -printf '%p -> %l\n' | sort
systemctl show -p Id -p MainPID -p ActiveState firewalld.service fapolicyd.service
cat /run/fapolicyd.pid
firewall-cmd --get-default-zone
firewall-cmd --list-all-zones
nft list ruleset
if [ -e /sys/fs/selinux/enforce ]; then echo "enforce $(cat /sys/fs/selinux/enforce)"; else echo "no selinuxfs"; fi
