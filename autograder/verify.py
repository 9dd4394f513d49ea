"""Run the trusted probes of :mod:`autograder.probes` on both sides and compare.

The reference side runs the instructor's source copy in a plain subprocess; the
student side runs the submission's ``course_lib`` in a subprocess inside the
same sandbox and limits as the grading kernel. This process only reads the two
result files (numbers, no pickles) and decides.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

from . import probes
from .sandbox import Limits, kernel_argv

PROBE_TIMEOUT = 120


def seed_for(student: str, assignment: str) -> int:
    """Same inputs every time a submission is graded (grading is idempotent)."""
    return zlib.crc32(f"{student}/{assignment}".encode())


def _command(lib_parent: Path, work: Path, out: Path, seed: int, tasks: list[str],
             limits: Limits | None) -> list[str]:
    script = work / "probes.py"
    args = [str(script), str(lib_parent), str(out), str(seed), *tasks]
    if limits is None:
        return [sys.executable, *args]
    # Reuse the kernel's command line: the same sandbox and limits, with the
    # probe script in place of ipykernel.
    argv = kernel_argv(lib_parent, work, limits)
    tail = argv.index(sys.executable)
    return argv[:tail] + [sys.executable, *args]


def run_side(lib_parent: Path, tasks: list[str], seed: int,
             limits: Limits | None) -> tuple[dict, dict, str]:
    work = Path(tempfile.mkdtemp(prefix="probe-"))
    try:
        shutil.copy2(probes.__file__, work / "probes.py")
        out = work / "out.npz"
        cmd = _command(Path(lib_parent), work, out, seed, tasks, limits)
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=PROBE_TIMEOUT,
                                  cwd=lib_parent)
        except subprocess.TimeoutExpired:
            return {}, {t: "timed out" for t in tasks}, "probe run timed out"
        if not out.exists():
            reason = f"probe run ended without results (exit {proc.returncode})"
            return {}, {t: reason for t in tasks}, proc.stdout[-2000:] + proc.stderr[-2000:]
        try:
            arrays, errors = probes.load(out)
        except Exception as exc:  # a tampered file is a failed probe, not a crash
            return {}, {t: f"unreadable results ({type(exc).__name__})" for t in tasks}, ""
        return arrays, errors, proc.stderr[-2000:]
    finally:
        shutil.rmtree(work, ignore_errors=True)


def verify(reference_dir: Path, submission_dir: Path, tasks: list[str], seed: int,
           limits: Limits) -> dict[str, str | None]:
    """Verdict per task: None when the student's function matches the reference.

    Tasks without a probe, or whose probe fails on the reference itself, are
    not judged (the notebook's own tests stand).
    """
    tasks = [t for t in tasks if t in probes.PROBES]
    if not tasks:
        return {}
    ref, ref_errors, _ = run_side(reference_dir, tasks, seed, None)
    got, got_errors, _ = run_side(submission_dir, tasks, seed, limits)
    verdicts = {}
    for task in tasks:
        if task in ref_errors:
            continue
        verdicts[task] = probes.judge(task, ref, got, got_errors)
    return verdicts
