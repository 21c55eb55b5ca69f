"""Unit tests of the action plugins' binary cache (collection/plugins/plugin_utils/binary_cache.py):
its remote shell script run here with /bin/sh against temporary homes, as the host runs it, and
the controller-side helpers. Standard library unittest; run by scripts/test.sh with the project
venv's Python (ansible-core importable):

    python3 -m unittest discover -s tests/plugins -v
"""

import hashlib
import importlib.util
import os
import pwd
import shutil
import stat
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
PLUGIN = os.path.join(HERE, "..", "..", "collection", "plugins", "plugin_utils", "binary_cache.py")

spec = importlib.util.spec_from_file_location("binary_cache", PLUGIN)
bc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bc)

# a tiny "module": a shell script that prints its standard input as the result
MODULE = b"#!/bin/sh\ncat\n"
SHA = hashlib.sha256(MODULE).hexdigest()


def run(op, home, stdin=b"", **kw):
    """The remote script for op, run by /bin/sh with HOME=home; (rc, stdout, stderr)."""
    script = bc.remote_script(op, **kw)
    env = {"HOME": home, "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
    p = subprocess.run(["/bin/sh", "-c", script], input=stdin, env=env, capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


class CacheScript(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hardening-cache-test.")
        # /tmp and /var/tmp are writable by all: they would fail the path check the script makes
        # of every directory above the cache. The homes live in the test user's own home.
        self.base = tempfile.mkdtemp(prefix=".hardening-cache-test.", dir=os.path.expanduser("~"))
        os.chmod(self.base, 0o755)
        self.home = os.path.join(self.base, "home")
        os.mkdir(self.home, 0o700)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)
        shutil.rmtree(self.base, ignore_errors=True)

    def cache(self):
        return os.path.join(self.home, bc.CACHE_SUBDIR)

    def test_install_then_run_from_the_cache(self):
        rc, out, err = run("install-run", self.home, b'{"x": 1}\n' + MODULE, module="selinux", sha=SHA,
                           size=len(MODULE))
        self.assertEqual((rc, out), (0, '{"x": 1}\n'), err)
        f = os.path.join(self.cache(), "selinux." + SHA)
        st = os.stat(f)
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o500)
        self.assertEqual(stat.S_IMODE(os.stat(self.cache()).st_mode), 0o700)
        rc, out, err = run("run", self.home, b'{"y": 2}\n', module="selinux", sha=SHA, size=len(MODULE))
        self.assertEqual((rc, out), (0, '{"y": 2}\n'), err)

    def consumed(self, op, data, **kw):
        """How many bytes of data the script for op read from its standard input (a pipe written
        by a thread until the script exits), and its output."""
        import threading
        script = bc.remote_script(op, **kw)
        env = {"HOME": self.home, "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
        p = subprocess.Popen(["/bin/sh", "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=env)
        written = [0]

        def feed():
            try:
                for i in range(0, len(data), 4096):
                    p.stdin.write(data[i:i + 4096])
                    p.stdin.flush()
                    written[0] = i + len(data[i:i + 4096])
                p.stdin.close()
            except (BrokenPipeError, ValueError):
                pass
        t = threading.Thread(target=feed)
        t.start()
        out = p.stdout.read().decode()
        p.wait(timeout=60)
        t.join(timeout=60)
        return written[0], out

    def test_an_answer_without_running_the_module_reads_all_input_first(self):
        # podman (4.3) drops a command's output now and then when the command exits before its
        # standard input is all read: the MISS of the first run of a task over containers.podman's
        # pipelining came back empty ("MODULE FAILURE"). The pipe's buffer (64 KiB) would hide a
        # script that reads nothing: 1 MiB is sent.
        data = b'{"x": 1}\n' + b"#" * (1 << 20)
        n, out = self.consumed("run", data, module="selinux", sha=SHA, size=len(MODULE))
        self.assertEqual(out.strip(), bc.MARK + "-MISS")
        self.assertEqual(n, len(data), "the MISS answer came before the input was read")
        # a refused transfer (wrong size and hash) too
        n, out = self.consumed("install-run", data, module="selinux", sha=SHA, size=len(MODULE))
        self.assertIn(bc.MARK + "-CORRUPT", out)
        self.assertEqual(n, len(data), "the CORRUPT answer came before the input was read")

    def test_a_hash_mismatch_is_never_executed(self):
        run("install-run", self.home, b"{}\n" + MODULE, module="selinux", sha=SHA, size=len(MODULE))
        f = os.path.join(self.cache(), "selinux." + SHA)
        os.chmod(f, 0o700)
        with open(f, "wb") as h:
            h.write(b"#!/bin/sh\necho EVIL\n")  # same name, other content and size
        os.chmod(f, 0o500)
        rc, out, err = run("run", self.home, b"{}\n", module="selinux", sha=SHA, size=len(MODULE))
        self.assertEqual(out.strip(), bc.MARK + "-MISS", err)
        # a corrupt transfer is refused, nothing left behind
        bad = b"#!/bin/sh\necho no\n"
        rc, out, err = run("install-run", self.home, b"{}\n" + bad, module="fips", sha=SHA, size=len(bad))
        self.assertIn(bc.MARK + "-CORRUPT", out)
        self.assertFalse(any(n.startswith("fips.") or n.startswith(".new.") for n in os.listdir(self.cache())))

    def test_a_symbolic_link_on_the_way_is_refused_and_nothing_is_created_through_it(self):
        target = os.path.join(self.tmp, "elsewhere")
        os.mkdir(target, 0o700)
        os.symlink(target, os.path.join(self.home, ".ansible"))
        rc, out, err = run("check", self.home, want="selinux:%s:%d" % (SHA, len(MODULE)))
        self.assertIn(bc.MARK + "-UNSAFE", out, err)
        self.assertEqual(os.listdir(target), [], "created through the link")

    def test_a_home_that_is_not_the_users_own_is_refused_before_anything_is_created(self):
        # sudo -E: root with the login user's HOME
        nobody = pwd.getpwnam("nobody")
        os.chown(self.home, nobody.pw_uid, nobody.pw_gid)
        rc, out, err = run("check", self.home, want="selinux:%s:%d" % (SHA, len(MODULE)))
        self.assertIn(bc.MARK + "-UNSAFE home", out, err)
        self.assertEqual(os.listdir(self.home), [])

    def test_a_directory_others_may_write_is_refused(self):
        os.mkdir(os.path.join(self.home, ".ansible"), 0o700)
        os.chmod(os.path.join(self.home, ".ansible"), 0o777)
        rc, out, err = run("check", self.home, want="selinux:%s:%d" % (SHA, len(MODULE)))
        self.assertIn(bc.MARK + "-UNSAFE", out, err)
        self.assertFalse(os.path.exists(self.cache()))

    def test_unexpected_values_never_reach_the_script(self):
        for kw in ({"module": "a;b"}, {"sha": "XYZ"}, {"want": "a$(b)"}):
            with self.assertRaises(Exception):
                bc.remote_script("check", **kw)


class Diagnose126(unittest.TestCase):

    def test_names_the_cached_binary_only_when_the_error_does(self):
        m = bc.diagnose_126("hardening.rhel.selinux", "selinux", "ab",
                            "sh: 1: /root/.ansible/hardening-rhel/selinux.ab: Operation not permitted", False)
        self.assertIn("refused to execute the cached binary", m)
        m = bc.diagnose_126("hardening.rhel.selinux", "selinux", "ab",
                            "/bin/sh: /usr/local/bin/become-wrapper: Permission denied", False)
        self.assertNotIn("cached binary", m)
        self.assertIn("/usr/local/bin/become-wrapper: Permission denied", m)
        m = bc.diagnose_126("hardening.rhel.selinux", "selinux", "ab", "", False)
        self.assertIn("does not name the program", m)


if __name__ == "__main__":
    unittest.main()
