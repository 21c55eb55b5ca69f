#!/usr/bin/env bash
# The real-kernel test target: a Debian 12 guest disk image for QEMU, built from packages.
# debootstrap (kernel, initramfs, systemd, openssh, SELinux policy and userland, firewalld,
# fapolicyd, GRUB); the stand-ins of the container image for RHEL-only tools; file system labelled
# offline (setfiles) and made with `mkfs.ext4 -d`, which keeps the labels; one first boot from the
# kernel file to install GRUB into the disk, so that every later boot reads the guest's own boot
# configuration (a kernel argument a module writes takes effect at the next boot).
# Output: $CACHE/vm/<tag>/base.qcow2 and the root ssh key; prints that directory. Cached by recipe.
source "$(dirname "$0")/../../scripts/env.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
PACKAGES=(
  linux-image-amd64 initramfs-tools zstd udev kmod systemd systemd-sysv libpam-systemd dbus netbase
  python3 python3-selinux openssh-server iproute2 procps gawk
  selinux-basics selinux-policy-default policycoreutils policycoreutils-python-utils auditd
  firewalld nftables fapolicyd grub-pc
)
recipe() {
  cat "$HERE/vm-build.sh" "$HERE/qemu.sh"
  for d in "$HERE/rootfs" "$REPO/tests/fixtures/crypto-policies"; do
    (cd "$d" && find . \( -type f -o -type l \) | LC_ALL=C sort | while read -r f; do echo "$f"; cat "$f"; done)
  done
}
TAG=$(recipe | sha256sum | cut -c1-12)
OUT=$CACHE/vm/$TAG
if [ -f "$OUT/base.qcow2" ]; then
  echo "$OUT"
  exit 0
fi
bash "$REPO/scripts/setup.sh" >&2
WORK=$(mktemp -d /var/tmp/hardening-vm.XXXXXX)
ROOT=$WORK/root
cleanup() {
  umount "$ROOT/proc" 2>/dev/null || true
  [ -f "$WORK/qemu.pid" ] && kill "$(cat "$WORK/qemu.pid")" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p "$OUT.tmp"
log "debootstrap bookworm for the guest (${#PACKAGES[@]} packages)" >&2
debootstrap --variant=minbase --include="$(IFS=,; echo "${PACKAGES[*]}")" \
  bookworm "$ROOT" "$(apt_mirror bookworm)" >&2
chroot "$ROOT" apt-get clean
rm -rf "$ROOT"/var/lib/apt/lists/*

# identity, disk, network, login
echo hardening-vm > "$ROOT/etc/hostname"
: > "$ROOT/etc/machine-id"
echo "/dev/vda1 / ext4 defaults 0 1" > "$ROOT/etc/fstab"
cat > "$ROOT/etc/systemd/network/10-dhcp.network" <<'NET'
[Match]
Name=en* eth*
[Network]
DHCP=yes
NET
echo "nameserver 10.0.2.3" > "$ROOT/etc/resolv.conf"
chroot "$ROOT" systemctl enable systemd-networkd >&2
chroot "$ROOT" systemctl mask systemd-networkd-wait-online.service >&2
# not under test here, and Debian's policy denies firewalld's D-Bus replies to root when enforcing
chroot "$ROOT" systemctl disable firewalld fapolicyd >&2 || true
rm -f "$OUT.tmp/id_ed25519"*
ssh-keygen -q -t ed25519 -N "" -C hardening-vm -f "$OUT.tmp/id_ed25519"
install -d -m 700 "$ROOT/root/.ssh"
install -m 600 "$OUT.tmp/id_ed25519.pub" "$ROOT/root/.ssh/authorized_keys"

# boot: GRUB on the serial console, SELinux selected as the LSM (Debian's default is AppArmor).
# No selinux=1: Debian's kernel has no selinux= parameter (CONFIG_SECURITY_SELINUX_BOOTPARAM unset).
cat > "$ROOT/etc/default/grub" <<'GRUB'
GRUB_DEFAULT=0
GRUB_TIMEOUT=0
GRUB_DISTRIBUTOR=Debian
GRUB_CMDLINE_LINUX_DEFAULT=""
GRUB_CMDLINE_LINUX="console=ttyS0 security=selinux"
GRUB_TERMINAL=serial
GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"
GRUB_DISABLE_OS_PROBER=true
GRUB
cat > "$ROOT/etc/selinux/config" <<'SEL'
SELINUX=permissive
SELINUXTYPE=default
SEL

# the container image's stand-ins for RHEL-only tools, and the real crypto policy definitions
cp -a "$REPO/molecule/image/rootfs/." "$ROOT/"
mkdir -p "$ROOT/usr/share/crypto-policies" "$ROOT/etc/crypto-policies/policies/modules" "$ROOT/etc/crypto-policies/local.d"
cp -a "$REPO/tests/fixtures/crypto-policies/policies" "$REPO/tests/fixtures/crypto-policies/default-config" \
  "$ROOT/usr/share/crypto-policies/"
chroot "$ROOT" /usr/bin/update-crypto-policies --set DEFAULT --no-reload >&2
rm -f "$ROOT/var/log/update-crypto-policies.calls"

# labels, offline (setfiles needs /proc in the chroot)
mount -t proc proc "$ROOT/proc"
chroot "$ROOT" /sbin/setfiles -F /etc/selinux/default/contexts/files/file_contexts / >&2
umount "$ROOT/proc"

log "disk image" >&2
KERNEL=$(ls "$ROOT"/boot/vmlinuz-* | tail -n 1)
INITRD=$(ls "$ROOT"/boot/initrd.img-* | tail -n 1)
cp "$KERNEL" "$WORK/vmlinuz"
cp "$INITRD" "$WORK/initrd"
mkfs.ext4 -q -L root -d "$ROOT" "$WORK/root.ext4" 3G
truncate -s $((3 * 1024 + 1))M "$WORK/disk.raw"
echo 'start=2048, type=83, bootable' | sfdisk -q "$WORK/disk.raw"
dd if="$WORK/root.ext4" of="$WORK/disk.raw" bs=1M seek=1 conv=notrunc status=none
rm -f "$WORK/root.ext4"
rm -rf "$ROOT"

log "first boot from the kernel file: GRUB into the disk" >&2
PORT=$((20000 + RANDOM % 20000))
bash "$HERE/qemu.sh" start "$WORK/disk.raw" raw "$PORT" "$WORK/qemu.pid" "$WORK/console.log" \
  -kernel "$WORK/vmlinuz" -initrd "$WORK/initrd" \
  -append "root=/dev/vda1 rw console=ttyS0 security=selinux"
SSH=(ssh -q -i "$OUT.tmp/id_ed25519" -p "$PORT" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
     -o ConnectTimeout=5 root@127.0.0.1)
up=no
for _ in $(seq 120); do "${SSH[@]}" true 2>/dev/null && { up=yes; break; }; sleep 2; done
if [ "$up" != yes ]; then
  echo "the guest did not come up on ssh; its console:" >&2
  tail -n 60 "$WORK/console.log" >&2
  exit 1
fi
"${SSH[@]}" 'grub-install --target=i386-pc /dev/vda && update-grub && getenforce' >&2
"${SSH[@]}" 'systemctl poweroff' >&2 || true
# QEMU removes its pid file when it exits
for _ in $(seq 60); do [ -f "$WORK/qemu.pid" ] || break; sleep 1; done
cp "$WORK/console.log" "$OUT.tmp/first-boot.log"
qemu-img convert -f raw -O qcow2 "$WORK/disk.raw" "$OUT.tmp/base.qcow2"
rm -rf "$OUT"
mv "$OUT.tmp" "$OUT"
# images of earlier recipes (about 900 MB each) are not used any more
find "$CACHE/vm" -mindepth 1 -maxdepth 1 ! -name "$TAG" -exec rm -rf {} +
echo "$OUT"
