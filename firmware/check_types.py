"""Type-check the firmware: ``python -m flowengine.firmware.check_types`` (exit code of mypy).

Two runs, because the board and the PC see different modules:

1. the device files (``main.py``, ``iotkit.py``, ``config.py``) as the board sees them — as
   top-level modules, against the ``M5`` stubs of the ``m5stack-stubs`` package (UIFlow 2's
   ``M5`` module) and our minimal stubs in ``firmware/stubs/`` for the other MicroPython
   modules (``umqtt``, ``network``, ``hardware``, ``unit``, ``esp32`` and MicroPython's
   ``time``, which replaces CPython's for this run);
2. the PC side (``shims.py``, ``simulator.py``, ``pc_boot.py``) with CPython's library.

m5stack-stubs installs a bare ``M5.pyi`` into site-packages, which mypy does not pick up by
itself (it is not a PEP 561 package), so it is linked into a temporary stub directory. The stub
file repeats some names (generated), hence ``ignore_errors`` for ``M5``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tempfile

__all__ = ["DEVICE_FILES", "PC_FILES", "find_m5_stub", "main"]

HERE = os.path.dirname(os.path.abspath(__file__))
DEVICE_FILES = ("main.py", "iotkit.py", "config.py")
PC_FILES = ("shims.py", "simulator.py", "pc_boot.py", "check_types.py")
_CONFIG = """\
[mypy]
strict = True
explicit_package_bases = True
warn_unused_ignores = True

[mypy-M5]
ignore_errors = True

[mypy-paho.*]
ignore_missing_imports = True
"""


def find_m5_stub() -> str | None:
    """Path of the installed ``M5.pyi`` (m5stack-stubs), or None."""
    for key in ("purelib", "platlib"):
        path = os.path.join(sysconfig.get_paths()[key], "M5.pyi")
        if os.path.exists(path):
            return path
    return None


def _mypy(files: list[str], mypy_path: list[str], config: str, cwd: str) -> int:
    env = dict(os.environ, MYPYPATH=os.pathsep.join(mypy_path))
    cmd = [sys.executable, "-m", "mypy", "--config-file", config, "--no-incremental", *files]
    return subprocess.run(cmd, cwd=cwd, env=env, check=False).returncode


def main() -> int:
    stub = find_m5_stub()
    if stub is None:
        print("check_types: m5stack-stubs is not installed (pip install m5stack-stubs)")
        return 2
    with tempfile.TemporaryDirectory(prefix="m5stubs-") as tmp:
        os.symlink(stub, os.path.join(tmp, "M5.pyi"))
        config = os.path.join(tmp, "mypy.ini")
        with open(config, "w", encoding="utf-8") as f:
            f.write(_CONFIG)
        device = _mypy(
            [os.path.join(HERE, name) for name in DEVICE_FILES],
            [HERE, os.path.join(HERE, "stubs"), tmp],
            config,
            HERE,
        )
        # The PC side as the package ``firmware`` (relative imports), with CPython's time.
        parent = os.path.dirname(HERE)
        pc = _mypy(
            [os.path.join(HERE, name) for name in PC_FILES],
            [parent],
            config,
            parent,
        )
    return device or pc


if __name__ == "__main__":
    sys.exit(main())
