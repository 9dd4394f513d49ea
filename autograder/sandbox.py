"""Limits and isolation for the kernels that run student code.

Every grading kernel is started through a kernelspec whose command line is

    bwrap …  prlimit --as=MEM --cpu=CPU --  timeout -s KILL WALL  python -m ipykernel_launcher

* ``bwrap`` (Debian's bubblewrap, an existing sandbox): new namespaces for
  everything, network included; the Python runtime and the virtualenv are
  mounted read-only; the only writable, visible part of the course is the one
  folder being graded. ``course/source``, the hidden tests, the gradebook and
  other students' folders do not exist inside.
* ``prlimit``: the address-space and CPU-time limits of the kernel process.
* ``timeout -s KILL``: the kernel lives at most ``wall_seconds``, so a loop
  that ignores KeyboardInterrupt cannot hold a worker forever.

The kernel talks to nbgrader over Unix sockets in a runtime folder bound into
the sandbox (no TCP: the sandbox has no network). Without bubblewrap the
limits still apply, but the kernel sees the machine as the grader does.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

KERNEL_NAME = "course-grader"


@dataclass(frozen=True)
class Limits:
    cell_timeout: int = 120          # seconds per cell (nbgrader's Execute.timeout)
    wall_seconds: int = 900          # whole kernel lifetime, i.e. one notebook
    cpu_seconds: int = 900           # CPU time of the kernel process
    memory_bytes: int = 4 * 1024**3  # address space of the kernel process
    sandbox: bool = True             # use bubblewrap when the machine has it

    @classmethod
    def from_env(cls) -> "Limits":
        """Limits overridable by ``COURSE_GRADE_<FIELD>`` environment variables."""
        kwargs = {}
        for name, default in cls().__dict__.items():
            raw = os.environ.get(f"COURSE_GRADE_{name.upper()}")
            if raw is not None:
                kwargs[name] = raw.lower() not in ("0", "false", "no") if isinstance(
                    default, bool) else int(float(raw))
        return cls(**kwargs)


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


def sandbox_available() -> bool:
    return bwrap_path() is not None and sys.platform.startswith("linux")


def kernel_argv(notebook_dir: Path, runtime_dir: Path, limits: Limits) -> list[str]:
    python = sys.executable
    inner = [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    limited = ["timeout", "-s", "KILL", str(limits.wall_seconds), *inner]
    if shutil.which("prlimit"):
        limited = ["prlimit", f"--as={limits.memory_bytes}", f"--cpu={limits.cpu_seconds}",
                   "--", *limited]
    if not (limits.sandbox and sandbox_available()):
        return limited
    mounts = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "lib", "lib64", "sbin"):
        path = Path("/") / name
        if path.is_symlink():
            mounts += ["--symlink", os.readlink(path), str(path)]
        elif path.exists():
            mounts += ["--ro-bind", str(path), str(path)]
    seen = set()
    for prefix in (sys.base_prefix, sys.prefix):
        real = os.path.realpath(prefix)
        if real not in seen and not real.startswith("/usr"):
            seen.add(real)
            mounts += ["--ro-bind", real, real]
            if prefix != real:
                mounts += ["--symlink", real, prefix]
    for path in ("/etc/ld.so.cache", "/etc/localtime", "/etc/fonts"):
        if os.path.exists(path):
            mounts += ["--ro-bind", path, path]
    notebook_dir, runtime_dir = str(notebook_dir), str(runtime_dir)
    # The private /tmp comes first: later binds may live under /tmp (a virtualenv
    # in a CI checkout, the grader's temporary course) and must stay visible.
    return [
        bwrap_path(), "--unshare-all", "--die-with-parent", "--new-session",
        "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
        *mounts,
        "--bind", runtime_dir, runtime_dir,
        "--bind", notebook_dir, notebook_dir,
        "--setenv", "HOME", "/tmp", "--setenv", "MPLCONFIGDIR", "/tmp",
        "--setenv", "MPLBACKEND", "Agg",
        "--setenv", "OMP_NUM_THREADS", "1", "--setenv", "OPENBLAS_NUM_THREADS", "1",
        "--chdir", notebook_dir,
        *limited,
    ]


def install_kernelspec(jupyter_dir: Path, notebook_dir: Path, runtime_dir: Path,
                       limits: Limits) -> Path:
    """Write the ``course-grader`` kernelspec under ``jupyter_dir/kernels``."""
    spec_dir = Path(jupyter_dir) / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": kernel_argv(notebook_dir, runtime_dir, limits),
        "display_name": "Python 3 (grading sandbox)",
        "language": "python",
        # Interrupt through the kernel's control channel: a signal sent to the
        # launcher would stop at bwrap/prlimit/timeout instead of the kernel.
        "interrupt_mode": "message",
        "env": {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg"},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1))
    return spec_dir
