#!/usr/bin/env python3
"""Run a command with aarch64 ELF binaries executed through qemu-aarch64, without touching the
machine's binfmt_misc settings: the command runs in a new user and mount namespace (uids and gids
0-65535 mapped to themselves, so chown/chgrp to service accounts work as on a host) with a
binfmt_misc instance of its own (kernels >= 6.7), where qemu-aarch64 is registered with the F flag.

Used inside the build root container (scripts/env.sh in_buildroot, with CAP_SYS_ADMIN) by
scripts/test.sh for the integration tests of the aarch64 binaries, which spawn them as programs.
On the host (the arm64 Molecule scenario), HARDENING_QEMU_AARCH64 names a static qemu-aarch64
(scripts/env.sh host_qemu): the F flag opens it once, and it must start inside an arm64 root.
Usage: qemu-userns.py COMMAND [ARG...]
"""
import ctypes
import os
import sys

QEMU = os.environ.get("HARDENING_QEMU_AARCH64", "/usr/bin/qemu-aarch64")
BINFMT = "/proc/sys/fs/binfmt_misc"
# ELF64, little-endian, ET_EXEC or ET_DYN, EM_AARCH64 (the magic and mask of Debian's qemu-user)
MAGIC = rb"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00"
MASK = rb"\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff"
RANGE = "0 0 65536\n"


def child(ready_w, go_r, argv):
    libc = ctypes.CDLL(None, use_errno=True)
    # os.unshare is Python >= 3.12; Debian 12's Python is 3.11
    clone_newuser, clone_newns = 0x10000000, 0x00020000
    if libc.unshare(clone_newuser | clone_newns) != 0:
        sys.exit("qemu-userns: unshare: %s" % os.strerror(ctypes.get_errno()))
    os.write(ready_w, b"1")
    if os.read(go_r, 1) != b"1":
        sys.exit("qemu-userns: the parent could not map the namespace's ids")
    os.setgroups([0])
    os.setgid(0)
    os.setuid(0)
    # private propagation, then a binfmt_misc of this namespace over the container's
    ms_rec, ms_private = 0x4000, 1 << 18
    if libc.mount(b"none", b"/", None, ms_rec | ms_private, None) != 0:
        sys.exit("qemu-userns: making / private: %s" % os.strerror(ctypes.get_errno()))
    if libc.mount(b"binfmt_misc", BINFMT.encode(), b"binfmt_misc", 0, None) != 0:
        sys.exit("qemu-userns: mounting a private binfmt_misc (kernel >= 6.7 needed): %s"
                 % os.strerror(ctypes.get_errno()))
    rule = b":qemu-aarch64:M::" + MAGIC + b":" + MASK + b":" + QEMU.encode() + b":F"
    with open(BINFMT + "/register", "wb", buffering=0) as f:
        f.write(rule)
    if not os.path.exists(BINFMT + "/qemu-aarch64"):
        sys.exit("qemu-userns: qemu-aarch64 is not registered")
    os.execvp(argv[0], argv)


def main():
    argv = sys.argv[1:]
    if not argv:
        sys.exit(__doc__)
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(ready_r)
        os.close(go_w)
        try:
            child(ready_w, go_r, argv)
        except SystemExit as e:
            print(e, file=sys.stderr)
            os._exit(125)
        except BaseException as e:  # noqa: BLE001 - report anything, never fall through
            print("qemu-userns: %s" % e, file=sys.stderr)
            os._exit(125)
    os.close(ready_w)
    os.close(go_r)
    if os.read(ready_r, 1) == b"1":
        for name in ("uid_map", "gid_map"):
            with open("/proc/%d/%s" % (pid, name), "w") as f:
                f.write(RANGE)
        os.write(go_w, b"1")
    os.close(go_w)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    sys.exit(code if code >= 0 else 128 - code)


if __name__ == "__main__":
    main()
