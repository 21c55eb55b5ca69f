#!/usr/bin/env bash
# Start a guest under QEMU (TCG: KVM does not work on these machines) in the background:
#   qemu.sh start <disk> <raw|qcow2> <ssh port> <pid file> <console log> [extra qemu args...]
# ssh is forwarded from 127.0.0.1:<port> only; the serial console goes to the log.
set -euo pipefail
[ "$1" = start ] || { echo "usage: qemu.sh start ..." >&2; exit 2; }
disk=$2 format=$3 port=$4 pidfile=$5 console=$6
shift 6
qemu-system-x86_64 -machine q35,accel=tcg -cpu max -smp 2 -m 2048 \
  -drive "file=$disk,format=$format,if=virtio" \
  -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$port-:22" -device virtio-net-pci,netdev=n0 \
  -display none -serial "file:$console" -monitor none \
  -daemonize -pidfile "$pidfile" "$@"
