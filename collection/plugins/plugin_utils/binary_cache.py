# -*- coding: utf-8 -*-
# Copyright: hardening.rhel developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One round trip per task for the collection's binary modules.

Ansible runs a binary module with five commands and two file transfers, and uploads the binary
again for every task. The action plugins of this collection (plugins/action/<module>.py) run it
instead in one command over the connection's pipelining: the task's arguments go to the
module's standard input (``<module> -``), and the binary itself is executed from a cache in
the become user's home, ``~/.ansible/hardening-rhel/<module>.<sha256>``, after the remote
shell has checked, on every run:

- every directory from ``/`` down to the cache is owned by root or the user and writable by
  nobody else (so nobody else can rename or replace anything on the way), the cache directory
  itself is the user's own with mode 0700;
- the file is a regular file of the user's with mode 0500, of the expected size, and its
  SHA-256 is the hash the controller computed from the collection's binary.

A file that fails any check is never executed. When the binary is not cached (first use on the
host, or a new collection version), a second command sends it with the arguments in the same
stream; the host writes it to a temporary file, checks size and hash, makes it read-only and
renames it into place, removes the module's other versions, and runs it. Where the fast path
cannot apply (pipelining off or unsupported by the connection or become method, ``async``, a
non-POSIX shell, ``ANSIBLE_KEEP_REMOTE_FILES``) the standard binary-module path runs.

Architectures: the collection ships every module's binary for x86_64 and aarch64 in
``files/modules/<arch>/<module>`` (outside ``plugins/``: a native binary is neither Python nor
PowerShell, so ansible-test and Automation Hub's checks have nothing to read there);
``plugins/modules/<module>.py`` holds the module's documentation only (what ``ansible-doc`` and
Automation Hub read), and is never what runs. The plugin picks the binary from the host's
``uname -m``, asked once per host and kept as the fact ``hardening_rhel_arch`` (or taken from the
inventory variable of that name, or from gathered facts), and fails naming the architecture on
any other. The standard path adds that directory to the worker's module search path and runs the
binary as ``ansible.legacy.<module>``, after checking that this name resolves to exactly that
file (a module of the same name in a configured library path is refused, never run).

Lockout guards: every task's arguments carry ``_hardening_connection`` (not a task parameter:
the module takes it out before validating), how Ansible reaches the host: the connection
plugin, host, port, login user and become method. A module that does not find the sshd session
among its ancestors (a become method that starts it outside the session: run0, machinectl,
systemd-run) looks for that session among all sshd processes, and when Ansible says SSH but no
session is found the guard's verdict is ``unknown`` (refused), never ``not_over_ssh``.

fapolicyd: when ``/etc/fapolicyd/trust.d/hardening-rhel-modules`` exists (harden.yml creates it
with fapolicyd_trust ``collection_binaries: true``), a newly cached version's entry (path, size,
SHA-256) replaces the old version's there before the first execution, so a collection upgrade
keeps working on hosts that deny untrusted programs, without allowing a directory.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex

import inspect

from ansible import constants as C
from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible.utils.vars import merge_hash

# ansible-core 2.16 to the newest: APIs that came or went in that range, each used where present
try:  # 2.19+: serialization profiles
    from ansible.module_utils.common.json import Direction, get_module_encoder
except ImportError:  # 2.16 - 2.18
    Direction = get_module_encoder = None
try:  # up to 2.20; 2.21's parsed result removes its own internal keys
    from ansible.vars.clean import remove_internal_keys
except ImportError:
    remove_internal_keys = None

display = Display()

COLLECTION = "hardening.rhel"
CACHE_SUBDIR = ".ansible/hardening-rhel"
TRUST_FILE = "/etc/fapolicyd/trust.d/hardening-rhel-modules"
MARK = "HARDENING-RHEL-CACHE"
# the module argument that describes Ansible's connection to the lockout guards
HINT_KEY = "_hardening_connection"

# The architectures shipped (``uname -m``) -> the collection's directory holding their binaries.
ARCH_DIRS = {"x86_64": "files/modules/x86_64", "aarch64": "files/modules/aarch64"}
# the installed collection's root (ansible_collections/hardening/rhel): plugins/plugin_utils/../..
COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ARCH_FACT = "hardening_rhel_arch"

# Controller-side hashes of the module binaries, by (path, size, mtime): a worker process hashes
# a binary once.
_HASHES = {}


def binary_identity(path):
    """(sha256 hex, size) of the binary at path on the controller."""
    st = os.stat(path)
    key = (path, st.st_size, st.st_mtime_ns)
    if key not in _HASHES:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        _HASHES[key] = (h.hexdigest(), st.st_size)
    return _HASHES[key]


# The remote side: POSIX sh, run as the become user. $m module name, $h sha256, $n size (from
# the controller, validated there), $op: run (cached only), install-run, install, check.
# Exits 0 with a line "<MARK>-<WHAT> ..." when it does not run the module. The ops that are sent
# data (run, install-run, install) read their standard input to its end before answering: podman
# (4.3 seen) drops a command's output now and then when the command exits before its standard
# input has all been read (found with containers.podman's pipelining: "MODULE FAILURE" on a
# cache miss).
_SCRIPT = r"""
umask 077
R=__MARK__
say() { case $op in run|install-run|install) cat > /dev/null 2>&1 ;; esac; echo "$R-$*"; exit 0; }
unsafe_dir() { say "UNSAFE $1: a directory on the way is not owned by root or the user, others may write to it, or $1 is not the user own with mode 0700"; }
home=$(cd -P -- "${HOME:?}" 2>/dev/null && pwd -P) || say "UNSAFE no usable home directory (HOME=${HOME-unset})"
d=$home/__SUBDIR__
T=__TRUST__
# check DIR [FILE SIZE]: DIR is a directory of the effective user's, mode 0700; every directory
# from / to it is a directory (no symbolic link), owned by root or that user, writable by no one
# else; FILE is the user's regular file, mode 0500, of SIZE bytes. One stat for all of them.
# Status 0: all good; 1: a directory fails; 2: the file is missing or fails.
check() {
  [ -d "$1" ] && [ ! -L "$1" ] && [ -O "$1" ] || return 1
  target=$1; file=$2; size=$3; set -- "$target"; p=; set -f; oldifs=$IFS; IFS=/
  for c in $target; do [ -n "$c" ] && p=$p/$c && [ "$p" != "$target" ] && set -- "$@" "$p"; done
  IFS=$oldifs; set +f
  set -- "$@" / ${file:+"$file"}
  LC_ALL=C stat -c "%u %a %s %F" -- "$@" 2>/dev/null | {
    i=0; own=
    while read -r o a n t; do
      i=$((i + 1))
      if [ -n "$file" ] && [ "$i" -eq "$#" ]; then
        [ "$o $a $n $t" = "$own 500 $size regular file" ] || exit 2
      else
        [ "$t" = directory ] && [ $((0$a & 022)) -eq 0 ] || exit 1
        if [ "$i" -eq 1 ]; then [ "$a" = 700 ] || exit 1; own=$o; fi
        [ "$o" = 0 ] || [ "$o" = "$own" ] || exit 1
      fi
    done
    [ "$i" -eq "$#" ] && exit 0
    [ -n "$file" ] && [ "$i" -eq $(($# - 1)) ] && exit 2
    exit 1
  }
}
# good FILE SIZE SHA256 (after check): the file's content has that hash
good() {
  check "$d" "$1" "$2" || return 1
  s=$(sha256sum < "$1") && [ "${s%% *}" = "$3" ]
}
# receive MODULE SHA256 SIZE: the next SIZE bytes of standard input become $d/MODULE.SHA256
receive() {
  t=$(mktemp -- "$d/.new.XXXXXXXX") || say "UNSAFE mktemp in $d failed"
  head -c "$3" > "$t" && chmod 0500 -- "$t" || { rm -f -- "$t"; say "UNSAFE cannot write $t"; }
  good "$t" "$3" "$2" || { rm -f -- "$t"; say "CORRUPT $1: the binary received does not have the expected size and SHA-256"; }
  mv -f -- "$t" "$d/$1.$2" || { rm -f -- "$t"; say "UNSAFE cannot rename into $d"; }
  for o in "$d/$1".*; do [ "$o" = "$d/$1.$2" ] || rm -f -- "$o"; done
  find "$d" -maxdepth 1 -name ".new.*" -mmin +60 -exec rm -f -- {} + 2>/dev/null
  # fapolicyd, where the administrator trusts the collection's cached binaries: this version's
  # entry replaces the module's previous one (plain paths only: no trust-file escaping needed)
  # never in check mode (ck=1): check mode writes nothing to /etc
  if [ "$ck" != 1 ] && [ -O / ] && [ -s "$T" ]; then  # root (the owner of /) only
    case $d in
      *[!A-Za-z0-9/._-]*) echo "$T not updated: $d would need escaping" >&2 ;;
      *) sed -i -e "\$a $d/$1.$2 $3 $2" -e "\\|^$d/$1\\.|d" -- "$T" || say "UNSAFE cannot update $T"
         [ ! -p /run/fapolicyd/fapolicyd.fifo ] || fapolicyd-cli --update >/dev/null 2>&1 || true ;;
    esac
  fi
}
f=$d/$m.$h
if [ "$op" = run ]; then
  # the steady state: one stat, one sha256sum, then the module
  check "$d" "$f" "$n"
  case $? in 1) [ -d "$d" ] && unsafe_dir "$d"; say MISS ;; 2) say MISS ;; esac
  s=$(sha256sum < "$f") && [ "${s%% *}" = "$h" ] || say MISS
  __ENV__
  exec "$f" -
fi
# nothing is created before the way is checked: the home must be the effective user own (a
# become that keeps the login user HOME, sudo -E, would have root create directories in
# another user home, or follow a symbolic link planted there), and each missing directory is
# made one level at a time, a real directory owned by root or the user
[ -O "$home" ] || say "UNSAFE home $home is not owned by the effective user (a become that keeps the login user HOME?)"
# safe DIR: a real directory, owned by root or the user, writable by no one else
safe() {
  [ -d "$1" ] && [ ! -L "$1" ] || return 1
  set -- $(LC_ALL=C stat -c "%u %a" -- "$1") || return 1
  { [ "$1" = 0 ] || [ "$1" = "$(id -u)" ]; } && [ $((0$2 & 022)) -eq 0 ]
}
safe "$home" || unsafe_dir "$home"
p=$home
for c in $(echo "__SUBDIR__" | tr / " "); do
  p=$p/$c
  if [ ! -e "$p" ] && [ ! -L "$p" ]; then
    mkdir -m 0700 -- "$p" || say "UNSAFE cannot create $p"
  fi
  safe "$p" || unsafe_dir "$p"
done
check "$d" || unsafe_dir "$d"
case $op in
  install-run)
    IFS= read -r a || say "UNSAFE no arguments line"
    receive "$m" "$h" "$n"
    good "$f" "$n" "$h" || say MISS
    __ENV__
    # a fapolicyd that has just reloaded its trust database may deny the first attempts
    for w in 1 2 3 4; do
      printf "%s\n" "$a" | "$f" -
      rc=$?
      [ "$rc" = 126 ] && [ "$ck" != 1 ] && [ -s "$T" ] || exit "$rc"
      sleep "$w"
    done
    exit "$rc" ;;
  check)
    for e in $want; do
      mm=${e%%:*}; rest=${e#*:}; hh=${rest%%:*}; nn=${rest#*:}
      if good "$d/$mm.$hh" "$nn" "$hh"; then echo "$R-HAVE $d/$mm.$hh"; else echo "$R-NEED $mm"; fi
    done ;;
  install)
    heads=
    while IFS= read -r line && [ -n "$line" ]; do heads="$heads $line"; done
    for e in $heads; do
      mm=${e%%:*}; rest=${e#*:}; hh=${rest%%:*}; nn=${rest#*:}
      receive "$mm" "$hh" "$nn"
      echo "$R-HAVE $d/$mm.$hh"
    done ;;
esac
"""


def remote_script(op, module="", sha="", size=0, want="", check_mode=False, env=""):
    """The script for op; env: Ansible's environment string, exported just before the module
    runs (never to the checks' own stat and sha256sum)."""
    for value, pattern in ((op, r"[a-z-]+"), (module, r"[a-z_]*"), (sha, r"[0-9a-f]*"), (want, r"[a-z_0-9:\s]*")):
        if not re.fullmatch(pattern, value):
            raise AnsibleError("hardening.rhel binary cache: unexpected value %r" % value)
    body = (_SCRIPT.replace("__MARK__", MARK).replace("__SUBDIR__", CACHE_SUBDIR)
            .replace("__TRUST__", TRUST_FILE))
    # what is sent: without comments and indentation (the command is quoted once more for each
    # of sh -c and become); the code itself has no single quote
    body = "\n".join(ln.strip() for ln in body.splitlines() if ln.strip() and not ln.strip().startswith("#"))
    # after the stripping: a quoted environment value may hold line breaks or a leading #
    body = body.replace("__ENV__", ("export " + env) if env else ":")
    head = "op=%s m=%s h=%s n=%d ck=%d want=%s" % (op, module, sha, int(size), int(bool(check_mode)), shlex.quote(want))
    return head + "\n" + body


def encode_module_args(module_args):
    """The task's arguments as the binary module reads them: JSON with Ansible's encoder for the
    controller-to-module direction (2.19+: the legacy serialization profile, what binary modules
    get; before: the JSON encoder ActionBase used for them, vault values as text)."""
    if get_module_encoder is not None:
        return json.dumps(module_args, cls=get_module_encoder("legacy", Direction.CONTROLLER_TO_MODULE))
    from ansible.parsing.ajson import AnsibleJSONEncoder
    return json.dumps(module_args, cls=AnsibleJSONEncoder, vault_to_text=True)


def parse_module_result(action, res):
    """The module's JSON result as a task result dict, internal keys removed, as ActionBase's own
    module execution does it on this ansible-core: 2.16 - 2.18 ``_parse_returned_data(res)``;
    2.19 - 2.20 with the serialization profile; 2.21+ a result object that removes its own
    internal keys."""
    if "profile" in inspect.signature(action._parse_returned_data).parameters:
        parsed = action._parse_returned_data(res, "legacy")
    else:
        parsed = action._parse_returned_data(res)
    if hasattr(parsed, "as_result_dict"):
        parsed.remove_internal_keys()
        return parsed.as_result_dict(for_round_trip=True)
    remove_internal_keys(parsed)
    return parsed


def pipelining_enabled(action):
    """Whether the connection pipelines this task (2.19+ asks the connection; before, ActionBase
    decided it for a module style: binary modules are pipelined like new-style ones)."""
    conn = action._connection
    if hasattr(conn, "is_pipelining_enabled"):
        return conn.is_pipelining_enabled(wrap_async=False)
    return action._is_pipelining_enabled("new", wrap_async=False)


def diagnose_126(action, name, sha, stderr, check_mode):
    """The message of an exit 126 (a program that could not be executed) of the remote command:
    the cached binary only when the shell's error names it; otherwise the program it names (the
    become method, an interpreter, a wrapper), or that the error does not say."""
    err = stderr.strip()
    binary = "%s/%s.%s" % (CACHE_SUBDIR, name, sha)
    if binary in err:
        return ("%s: the host refused to execute the cached binary ~/%s (exit 126: %s). On a host where "
                "fapolicyd denies untrusted programs, trust the collection's binaries (harden.yml's fapolicyd_trust "
                "task with collection_binaries: true)%s." % (action, binary, err[:300],
                                                             "; in check mode a new version's trust entry is not "
                                                             "written: run once without --check" if check_mode else ""))
    named = re.search(r"(/[^\s:]+): (?:[^:]*: )?(Permission denied|Operation not permitted|cannot execute)", err)
    return ("%s: the remote command exited 126 (a program could not be executed)%s, before the module "
            "binary ran: %s" % (action, " - %s: %s" % named.groups() if named else " - the error does not name the program",
                                err[:300] or "(no message)"))


class BinaryModuleAction(ActionBase):
    """The action plugin of one hardening.rhel binary module."""

    _supports_check_mode = True
    _supports_async = True

    # --- where the standard path must run -------------------------------------------------

    def fast_path_refusal(self):
        """Why the one-round-trip path cannot run this task (None: it can)."""
        conn = self._connection
        if self._task.async_val:
            return "async"
        if C.DEFAULT_KEEP_REMOTE_FILES:
            return "ANSIBLE_KEEP_REMOTE_FILES"
        if not pipelining_enabled(self):
            return "pipelining is off or not supported by the connection or become method"
        if getattr(conn._shell, "SHELL_FAMILY", None) != "sh":
            return "the remote shell is not POSIX sh"
        if not conn.allow_executable:
            return "the connection does not run commands through /bin/sh"
        return None

    def host_arch(self, task_vars):
        """The target's architecture (``uname -m``) as (arch, where it came from, fact to keep or
        None): the variable ``hardening_rhel_arch`` where the inventory or the task sets it, else
        the fact of that name an earlier task kept, else gathered facts, else asked now. A
        delegated task asks its delegate every time (the variables at hand are the inventory
        host's)."""
        if not self._task.delegate_to:
            task_vars = task_vars or {}
            facts = task_vars.get("ansible_facts") or {}
            kept = facts.get(ARCH_FACT)
            var = task_vars.get(ARCH_FACT)
            # facts are also injected as variables: a variable is the operator's only if it differs
            if var and var != kept:
                return str(var), "the variable " + ARCH_FACT, None
            if kept:
                return str(kept), "uname -m", None
            if facts.get("architecture"):
                return str(facts["architecture"]), "gathered facts", None
        res = self._low_level_execute_command("uname -m", sudoable=False)
        arch = res.get("stdout", "").strip()
        if res.get("rc") != 0 or not re.fullmatch(r"[A-Za-z0-9_]+", arch):
            raise AnsibleError("%s: cannot tell the host's architecture (uname -m: rc=%s, %r %r)"
                               % (self._task.action, res.get("rc"), arch[:80], res.get("stderr", "")[:200]))
        return arch, "uname -m", (None if self._task.delegate_to else arch)

    def arch_dir(self):
        """The collection's directory of this host's binaries; fails on an architecture we do not
        ship. Needs ``self._arch`` (set by ``run`` from ``host_arch``)."""
        if self._arch not in ARCH_DIRS:
            raise AnsibleError("%s: hardening.rhel ships its binaries for %s; this host is %s (%s)"
                               % (self._task.action, " and ".join(sorted(ARCH_DIRS)), self._arch,
                                  self._arch_source))
        return os.path.join(COLLECTION_ROOT, ARCH_DIRS[self._arch])

    def module_binary(self, name=None):
        """(controller path, sha256, size) of the collection's binary of this task's module, for
        the host's architecture."""
        name = name or self._task.action.split(".")[-1]
        path = os.path.join(self.arch_dir(), name)
        if not os.path.isfile(path):
            raise AnsibleError("the %s binary of %s.%s is missing from the installed collection (%s)"
                               % (self._arch, COLLECTION, name, path))
        sha, size = binary_identity(path)
        return path, sha, size

    def standard_module_name(self):
        """The name under which Ansible's standard binary-module path runs this task's binary:
        ``ansible.legacy.<module>``, found in the binaries' directory added to this worker's module
        search path (searched before any configured library path). Refuses when the name resolves
        to another file."""
        name = self._task.action.split(".")[-1]
        path = self.module_binary(name)[0]
        loader = self._shared_loader_obj.module_loader
        loader.add_directory(os.path.dirname(path))
        legacy = "ansible.legacy." + name
        found = loader.find_plugin_with_context(legacy, collection_list=self._task.collections)
        got = found.plugin_resolved_path if found.resolved else None
        if not got or os.path.realpath(got) != os.path.realpath(path):
            raise AnsibleError("%s: %s resolves to %s, not the collection's binary %s; refusing to run it"
                               % (self._task.action, legacy, got or "nothing", path))
        return legacy

    def collection_modules(self):
        """Every binary module of the installed collection for the host's architecture:
        name -> controller path."""
        here = os.path.dirname(self.module_binary("security_facts")[0])
        out = {}
        for entry in sorted(os.listdir(here)):
            p = os.path.join(here, entry)
            if re.fullmatch(r"[a-z_]+", entry) and os.path.isfile(p):
                out[entry] = p
        return out

    # --- the remote side ----------------------------------------------------------------

    def remote(self, script, in_data):
        return self._low_level_execute_command(script, sudoable=True, in_data=in_data)

    def marker(self, res):
        """The cache script's own answer (e.g. ('MISS', '')), or None when the module ran."""
        out = res.get("stdout", "").strip()
        if out.startswith(MARK + "-") and "\n" not in out:
            what, dummy, why = out[len(MARK) + 1:].partition(" ")
            return what, why
        return None

    def module_args_json(self, module_args, task_vars):
        self._update_module_args(self._task.action, module_args, task_vars)
        text = encode_module_args(module_args)
        if "\n" in text:  # never: json.dumps writes one line; the install script relies on it
            raise AnsibleError("module arguments serialised on more than one line")
        return text.encode("utf-8")

    def run_fast(self, module_args, task_vars):
        """The task in one command (two on first use). Returns (result, how) or (None, why)."""
        path, sha, size = self.module_binary()
        name = self._task.action.split(".")[-1]
        args = self.module_args_json(module_args, task_vars)
        env = self._compute_environment_string()
        ck = bool(module_args.get("_ansible_check_mode"))
        res = self.remote(remote_script("run", name, sha, size, check_mode=ck, env=env), args)
        how = "cache"
        mark = self.marker(res)
        if mark and mark[0] == "MISS":
            with open(path, "rb") as f:
                binary = f.read()
            res = self.remote(remote_script("install-run", name, sha, size, check_mode=ck, env=env),
                              args + b"\n" + binary)
            how = "sent"
            mark = self.marker(res)
        if mark:
            return None, "%s %s" % mark
        if res.get("rc") == 126 and not res.get("stdout", "").strip():
            raise AnsibleError(diagnose_126(self._task.action, name, sha, res.get("stderr", ""), ck))
        data = parse_module_result(self, res)
        if "stdout" in data and "stdout_lines" not in data:
            data["stdout_lines"] = (data.get("stdout") or "").splitlines()
        if "stderr" in data and "stderr_lines" not in data:
            data["stderr_lines"] = (data.get("stderr") or "").splitlines()
        return data, how

    # --- the collection's binaries, cached and listed (fapolicyd trust) ------------------

    def cache_all(self):
        """Cache every binary of the collection on the host; returns their cached paths."""
        mods = self.collection_modules()
        ids = {m: binary_identity(p) for m, p in mods.items()}
        want = " ".join("%s:%s:%d" % (m, sha, size) for m, (sha, size) in ids.items())
        res = self.remote(remote_script("check", want=want), None)
        lines = res.get("stdout", "").split()
        if res.get("rc") != 0:
            raise AnsibleError("hardening.rhel binary cache: the check failed: %s" % res.get("stderr", "")[:300])
        unsafe = [ln for ln in res.get("stdout", "").splitlines() if ln.startswith(MARK + "-UNSAFE")]
        if unsafe:
            raise AnsibleError("hardening.rhel binary cache: %s" % unsafe[0][len(MARK) + 8:])
        need = [lines[i + 1] for i, w in enumerate(lines) if w == MARK + "-NEED" and i + 1 < len(lines)]
        if need:
            header = b"".join(b"%s:%s:%d\n" % (m.encode(), ids[m][0].encode(), ids[m][1]) for m in need) + b"\n"
            data = header
            for m in need:
                with open(mods[m], "rb") as f:
                    data += f.read()
            res = self.remote(remote_script("install", check_mode=self._task.check_mode), data)
            if res.get("rc") != 0 or MARK + "-HAVE" not in res.get("stdout", ""):
                raise AnsibleError("hardening.rhel binary cache: sending the binaries failed: %s %s"
                                   % (res.get("stdout", "")[-300:], res.get("stderr", "")[-300:]))
            bad = [ln for ln in res.get("stdout", "").splitlines() if not ln.startswith(MARK + "-HAVE")]
            if bad:
                raise AnsibleError("hardening.rhel binary cache: %s" % bad[0])
            res = self.remote(remote_script("check", want=want), None)
        have = [ln.split(" ", 1)[1] for ln in res.get("stdout", "").splitlines() if ln.startswith(MARK + "-HAVE ")]
        if len(have) != len(mods):
            raise AnsibleError("hardening.rhel binary cache: not every binary is cached: %s" % res.get("stdout", "")[-500:])
        return have

    # --- the task -----------------------------------------------------------------------

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        module_args = dict(self._task.args)
        self._arch, self._arch_source, keep = self.host_arch(task_vars)
        facts = {ARCH_FACT: keep} if keep else {}
        self.arch_dir()  # fails here on an architecture we do not ship
        module_args, extra = self.prepare(module_args, task_vars)
        if facts:
            extra.setdefault("ansible_facts", {}).update(facts)
        if module_args is None:  # prepare decided the task's result
            return merge_hash(result, extra)
        module_args[HINT_KEY] = self.connection_hint()
        why = self.fast_path_refusal()
        data = None
        if why is None:
            data, how = self.run_fast(module_args, task_vars)
            if data is None:
                why = how
                display.warning("%s: the binary cache cannot be used on this host (%s); running the standard way"
                                % (self._task.action, why))
        if data is None:
            display.vvv("%s: standard binary-module path (%s)" % (self._task.action, why))
            wrap_async = self._task.async_val and not self._connection.has_native_async
            data = self._execute_module(module_name=self.standard_module_name(), module_args=module_args,
                                        task_vars=task_vars, wrap_async=wrap_async)
            if not wrap_async:
                self._remove_tmp_path(self._connection._shell.tmpdir)
            how = "standard"
        else:
            display.vvv("%s: ran from the binary cache (%s)" % (self._task.action, how))
        data["hardening_delivery"] = how
        data = merge_hash(data, extra)
        return merge_hash(result, data)

    def connection_hint(self):
        """How Ansible reaches the host, for the modules' lockout guards (see the module docstring):
        only what the connection plugin says, each value a string (the port a number) or None."""
        conn = self._connection

        def option(name):
            try:
                value = conn.get_option(name)
            except (AttributeError, KeyError, AnsibleError):
                return None
            return None if value is None else str(value)[:1024]

        transport = getattr(conn, "transport", None) or getattr(conn, "_load_name", None) or "unknown"
        port = option("port")
        become = getattr(conn, "become", None) if self._play_context.become else None
        return {
            "transport": str(transport)[:1024],
            "host": option("host") or option("remote_addr"),
            "port": int(port) if port and port.isdigit() and int(port) < 65536 else None,
            "user": option("remote_user"),
            "become_method": getattr(become, "name", None),
        }

    def prepare(self, module_args, task_vars):
        """Hook for a module's own controller-side options: (module_args, extra result keys), or
        (None, the task's whole result)."""
        return module_args, {}
