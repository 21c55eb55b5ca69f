# Stand-in for get-pip.py (ansible-test's pip bootstrap of its sanity-test virtual environments,
# which it downloads from a host these machines cannot reach; it looks for the script in its cache
# first, as its own error message says). Installed by scripts/setup.sh as
# ~/.ansible/test/cache/get_pip_<version>.py beside the pip wheel of the version ansible-test pins,
# taken from the machine's pip index. Same contract as get-pip.py: pip install options and
# requirements on the command line, plus --no-setuptools / --no-wheel; installs pip from that
# wheel, offline.
import glob
import os
import sys

here = os.path.dirname(os.path.abspath(os.environ.get("GET_PIP", __file__)))
wheels = glob.glob(os.path.join(here, "pip-*-py3-none-any.whl"))
if not wheels:
    sys.exit("get-pip stand-in: no pip wheel in %s (scripts/setup.sh puts it there)" % here)
sys.path.insert(0, wheels[0])
from pip._internal.cli.main import main  # noqa: E402  pylint: disable=wrong-import-position

args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
sys.exit(main(["install", "--no-index", "--find-links", here] + args))
