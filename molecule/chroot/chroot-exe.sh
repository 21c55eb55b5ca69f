#!/bin/sh
# chroot_exe of the chroot connection (molecule/chroot): the chroot is made inside the host
# container, where /srv/root is. Called as `chroot-exe.sh <dir> <command>...`; <dir> is the
# controller's view of that root (/proc/<host pid>/root/srv/root).
case $1 in
  */srv/root) ;;
  *) echo "chroot-exe.sh: unexpected root $1" >&2; exit 2 ;;
esac
shift
exec podman exec -i chroot-host /usr/sbin/chroot /srv/root "$@"
