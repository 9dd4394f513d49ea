"""Run the trusted probes of :mod:`autograder.probes` on both sides and compare.

The reference side runs the instructor's source copy in this process (trusted
code, :func:`reference_side`); the student side runs the submission's
``course_lib`` in a subprocess inside the same sandbox and limits as the grading
kernel. This process only reads the student's result files (numbers, no
pickles) and decides.
"""
from __future__ import annotations

import contextlib
import importlib
import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
import zlib
from pathlib import Path

from . import probes, reference_lib
from .sandbox import Limits, confine

PROBE_TIMEOUT = 120        # one probe process, all its tasks
# A probe takes well under a second; this much time without a new result means
# the function under test hangs (imports and the first task count towards it).
PROBE_STALL_SECONDS = 30


def seed_for(student: str, assignment: str) -> int:
    """Same inputs every time a submission is graded (grading is idempotent)."""
    return zlib.crc32(f"{student}/{assignment}".encode())


def _command(lib_parent: Path, work: Path, out: Path, seed: int, tasks: list[str],
             limits: Limits | None) -> list[str]:
    script = work / "probes.py"
    command = [sys.executable, str(script), str(lib_parent), str(out), str(seed), *tasks]
    if limits is None:
        return command
    # The student's side starts the way the grading kernel does: same sandbox, same limits.
    return confine(command, lib_parent, [work, lib_parent], limits)


def _run_until_stalled(cmd: list[str], cwd: Path, out: Path, expected: int,
                       stall_seconds: float, total_seconds: float) -> tuple[str, str]:
    """Run one probe process; kill it when it stops producing results.

    Returns how it ended and the tail of its output."""
    with tempfile.TemporaryFile("w+") as log:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        start = last = time.monotonic()
        seen = 0
        ended = None
        while ended is None:
            try:
                ended = f"exit {proc.wait(timeout=0.1)}"
                continue
            except subprocess.TimeoutExpired:
                pass
            now = time.monotonic()
            count = sum(1 for _ in out.glob("*.npz"))
            if count != seen:
                seen, last = count, now
            if count >= expected:
                continue  # writing is done; let it exit
            if now - last > stall_seconds or now - start > total_seconds:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
                ended = f"no result within {stall_seconds:g} s"
        log.seek(0)
        return ended, log.read()[-2000:]


def run_side(lib_parent: Path, tasks: list[str], seed: int,
             limits: Limits | None) -> tuple[dict, dict, str]:
    """Outputs and errors of every task, run in order.

    A function that hangs, exhausts a limit or kills its process is charged to
    that task alone: the tasks after it run again in a fresh process.
    """
    work = Path(tempfile.mkdtemp(prefix="probe-"))
    arrays, errors, logs = {}, {}, []
    try:
        shutil.copy2(probes.__file__, work / "probes.py")
        remaining = list(tasks)
        for attempt in range(len(tasks)):
            if not remaining:
                break
            out = work / f"out{attempt}"
            out.mkdir()
            cmd = _command(Path(lib_parent), work, out, seed, remaining, limits)
            ended, log = _run_until_stalled(cmd, Path(lib_parent), out, len(remaining),
                                            PROBE_STALL_SECONDS, PROBE_TIMEOUT)
            logs.append(log)
            finished = 0
            for task in remaining:   # results are written in order: keep the prefix
                path = out / f"{task}.npz"
                if not path.is_file():
                    break
                try:
                    got, err = probes.load(path)
                except Exception as exc:  # a tampered file is a failed probe, not a crash
                    got, err = {}, {task: f"unreadable results ({type(exc).__name__})"}
                arrays.update({k: v for k, v in got.items() if k.startswith(f"{task}::")})
                if task in err:
                    errors[task] = err[task]
                finished += 1
            remaining = remaining[finished:]
            if remaining:
                culprit = remaining.pop(0)
                errors[culprit] = f"probe run ended without results ({ended})"
        return arrays, errors, "\n".join(logs)[-4000:]
    finally:
        shutil.rmtree(work, ignore_errors=True)


def probes_of(name: str) -> tuple[str, ...]:
    """The probes that re-check graded cell (or probe) ``name``: a cell that grades several
    functions (``autograder/points.py``) has one probe per function."""
    from .points import CELLS, probe_tasks

    if name in probes.PROBES:
        return (name,)
    return tuple(t for t in probe_tasks(name) if t in probes.PROBES) if name in CELLS else ()


def reference_side(reference_dir: Path, tasks: list[str], seed: int) -> tuple[dict, dict]:
    """Outputs and errors of every task on the instructor's copy, in this process.

    The reference is the instructor's own code, so it needs no process of its own
    (that process cost a Python start and NumPy's import per submission): its
    ``course_lib`` is imported from ``reference_dir`` in place of any other
    ``course_lib`` this process has imported, which is put back afterwards. Only
    the student's side runs in a (sandboxed) process.
    """
    def ours() -> dict:
        return {name: module for name, module in sys.modules.items()
                if name == "course_lib" or name.startswith("course_lib.")}

    with reference_lib.LOCK, warnings.catch_warnings(), \
            contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        saved = ours()
        for name in saved:
            del sys.modules[name]
        sys.path.insert(0, str(reference_dir))
        importlib.invalidate_caches()
        try:
            return probes.run_probes(tasks, seed)
        finally:
            sys.path.remove(str(reference_dir))
            for name in ours():
                del sys.modules[name]
            sys.modules.update(saved)


def verify(reference_dir: Path, submission_dir: Path, tasks: list[str], seed: int,
           limits: Limits) -> dict[str, str | None]:
    """Verdict per graded cell (or probe): None when the student's functions match the reference.

    A cell that grades several functions fails with the first of them that fails its
    probe, and its verdict names that function. Cells without a probe, and probes that
    fail on the reference itself, are not judged (the notebook's own tests stand).
    """
    cells = {name: probes_of(name) for name in tasks}
    cells = {name: run for name, run in cells.items() if run}
    runs = list(dict.fromkeys(t for run in cells.values() for t in run))
    if not runs:
        return {}
    ref, ref_errors = reference_side(reference_dir, runs, seed)
    got, got_errors, _ = run_side(submission_dir, runs, seed, limits)
    verdicts = {}
    for name, run in cells.items():
        judged = [t for t in run if t not in ref_errors]
        if not judged:
            continue
        verdicts[name] = None
        for task in judged:
            reason = probes.judge(task, ref, got, got_errors)
            if reason:
                verdicts[name] = reason if run == (name,) else f"{task}: {reason}"
                break
    return verdicts
