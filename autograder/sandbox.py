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
limits still apply, but the kernel sees the machine as the grader does: so
grading refuses to start (:class:`SandboxUnavailable`) unless the instructor
turned isolation off explicitly (``Limits.sandbox=False``, ``grade --no-sandbox``).
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
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
    # True: every kernel runs in bubblewrap, and grading refuses where it cannot;
    # False only by the instructor's explicit choice (``grade --no-sandbox``).
    sandbox: bool = True

    @classmethod
    def from_env(cls) -> "Limits":
        """Limits overridable by ``COURSE_GRADE_<FIELD>`` environment variables."""
        kwargs = {}
        for name, default in cls().__dict__.items():
            if name == "sandbox":   # only ever turned off by an explicit flag
                continue
            raw = os.environ.get(f"COURSE_GRADE_{name.upper()}")
            if raw is not None:
                kwargs[name] = int(float(raw))
        return cls(**kwargs)


INSTALL_HINT = ("install bubblewrap (Debian/Ubuntu: `apt-get install bubblewrap`), or pass "
                "--no-sandbox to grade without isolation")


class SandboxUnavailable(RuntimeError):
    """Grading was asked to isolate student code and this machine cannot."""


def bwrap_path() -> str | None:
    """bubblewrap: ``$COURSE_GRADE_BWRAP`` when set, else ``bwrap`` on PATH."""
    chosen = os.environ.get("COURSE_GRADE_BWRAP")
    if chosen:
        return chosen if os.access(chosen, os.X_OK) else None
    return shutil.which("bwrap")


def sandbox_available() -> bool:
    return bwrap_path() is not None and sys.platform.startswith("linux")


_works: dict[str, str | None] = {}


def sandbox_problem() -> str | None:
    """Why no kernel can be sandboxed here (one sentence), or None when bubblewrap works.

    Runs bubblewrap once per process with the namespaces grading uses: it can be
    installed and still refused by the kernel (no user namespaces in a container).
    """
    bwrap = bwrap_path()
    if bwrap is None or not sys.platform.startswith("linux"):
        return f"bubblewrap (bwrap) is not installed on {socket.gethostname()}"
    if bwrap not in _works:
        try:
            done = subprocess.run([bwrap, "--unshare-all", "--ro-bind", "/", "/", "true"],
                                  capture_output=True, text=True, timeout=30)
            _works[bwrap] = None if done.returncode == 0 else (
                f"bubblewrap cannot create a sandbox on {socket.gethostname()} "
                f"({done.stderr.strip().splitlines()[-1] if done.stderr.strip() else 'exit ' + str(done.returncode)})")
        except (OSError, subprocess.TimeoutExpired) as exc:
            _works[bwrap] = f"bubblewrap does not run on {socket.gethostname()} ({exc})"
    return _works[bwrap]


def require_sandbox(limits: "Limits") -> None:
    """Raise :class:`SandboxUnavailable` when ``limits`` ask for isolation and it cannot be had."""
    if limits.sandbox:
        problem = sandbox_problem()
        if problem:
            raise SandboxUnavailable(f"{problem}: grading refuses to run student code "
                                     f"unisolated; {INSTALL_HINT}")


def confine(command: list[str], workdir: Path, writable: list[Path], limits: Limits) -> list[str]:
    """``command`` under the grading limits and, unless ``limits.sandbox`` is off, in bubblewrap.

    The one way student code is started: the grading kernel and the re-check's
    probe process both go through here. Inside the sandbox only the runtime
    (read-only) and the ``writable`` folders exist; ``workdir`` is the current
    directory. Raises :class:`SandboxUnavailable` rather than running unisolated
    when a sandbox was asked for and bubblewrap does not work.
    """
    limited = ["timeout", "-s", "KILL", str(limits.wall_seconds), *command]
    if shutil.which("prlimit"):
        limited = ["prlimit", f"--as={limits.memory_bytes}", f"--cpu={limits.cpu_seconds}",
                   "--", *limited]
    if not limits.sandbox:
        return limited
    require_sandbox(limits)
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
    binds = []
    for folder in writable:
        binds += ["--bind", str(folder), str(folder)]
    # The private /tmp comes first: later binds may live under /tmp (a virtualenv
    # in a CI checkout, the grader's temporary course) and must stay visible.
    return [
        bwrap_path(), "--unshare-all", "--die-with-parent", "--new-session",
        "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
        *mounts, *binds,
        "--setenv", "HOME", "/tmp", "--setenv", "MPLCONFIGDIR", "/tmp",
        "--setenv", "MPLBACKEND", "Agg",
        "--setenv", "OMP_NUM_THREADS", "1", "--setenv", "OPENBLAS_NUM_THREADS", "1",
        "--chdir", str(workdir),
        *limited,
    ]


def kernel_argv(notebook_dir: Path, runtime_dir: Path, limits: Limits) -> list[str]:
    """The grading kernel: ipykernel, confined to the one folder being graded."""
    kernel = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    return confine(kernel, notebook_dir, [runtime_dir, notebook_dir], limits)


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
