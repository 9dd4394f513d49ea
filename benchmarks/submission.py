"""Where the time of grading one submission goes: ``python -m benchmarks.submission``.

Builds the course in a temporary directory with the sample class, then grades
one submission per assignment and sample student in this process (one core),
timing nbgrader's autograde (sandboxed kernel, the notebook with its hidden
tests), the trusted re-check, the capstone's evaluation (07 only) and the
feedback. Each submission is graded twice,
interleaved: with the experiment cells skipped (the course's setting) and with
``COURSE_GRADE_RUN_EXPERIMENTS=1``; the scores of the two must agree.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from autograder import build, capstone, coordinator, sample_class, worker
from autograder.manifest import ASSIGNMENTS
from autograder.paths import Course
from autograder.runner import NbGrader

MODES = ("skip", "run")


def _timed(phases: dict):
    """Wrap the three phases of ``worker.run_job`` to add their seconds to ``phases``."""
    originals = {}

    def wrap(owner, name):
        original = getattr(owner, name)
        originals[(owner, name)] = original

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                phases[name] = phases.get(name, 0.0) + time.perf_counter() - start
        setattr(owner, name, timed)

    wrap(NbGrader, "autograde")
    wrap(worker, "apply_verification")
    wrap(capstone, "grade_capstone")
    wrap(NbGrader, "generate_feedback")
    return originals


def grade_once(course, assignment, student, mode):
    if mode == "run":
        os.environ["COURSE_GRADE_RUN_EXPERIMENTS"] = "1"
    else:
        os.environ.pop("COURSE_GRADE_RUN_EXPERIMENTS", None)
    phases: dict = {}
    originals = _timed(phases)
    try:
        result = worker.run_job(coordinator.make_job(course, assignment, student))
    finally:
        for (owner, name), original in originals.items():
            setattr(owner, name, original)
        os.environ.pop("COURSE_GRADE_RUN_EXPERIMENTS", None)
    score = sum(g["auto_score"] or 0 for g in result.grades)
    return result.seconds, phases, score, result.ok


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--assignments", nargs="*", default=[a.name for a in ASSIGNMENTS])
    parser.add_argument("--students", nargs="*", default=["perfect", "stub", "buggy"])
    parser.add_argument("--modes", nargs="*", default=list(MODES), choices=MODES,
                        help="grade with the experiments skipped, run, or both (default)")
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="bench-submission-"))
    course = Course(root)
    build.build(course, args.assignments, echo=lambda *a: None)
    assignments = build.released_assignments(course)
    sample_class.generate(course, assignments)
    print(f"load average {os.getloadavg()[0]:.2f}; seconds of one core per submission")
    print(f"{'assignment':<24} {'student':<8} {'skip':>6} {'run':>6} {'ratio':>6}  "
          "skip: autograde / re-check / capstone / feedback")
    totals = {m: [] for m in MODES}
    for a in assignments:
        for student in args.students:
            seen = {}
            modes = [m for m in MODES if m in args.modes]
            order = modes if len(totals["skip"]) % 2 == 0 else modes[::-1]
            for mode in order:
                seen[mode] = grade_once(course, a, student, mode)
            nan = (float("nan"), {}, None, None)
            (s_sec, s_ph, s_score, s_ok) = seen.get("skip", nan)
            (r_sec, _, r_score, r_ok) = seen.get("run", nan)
            if len(seen) == 2 and (s_score, s_ok) != (r_score, r_ok):
                print(f"WARNING: {a.name}/{student}: score {s_score} skipping experiments, "
                      f"{r_score} running them")
            totals["skip"].append(s_sec)
            totals["run"].append(r_sec)
            print(f"{a.name:<24} {student:<8} {s_sec:6.1f} {r_sec:6.1f} {r_sec / s_sec:6.2f}  "
                  f"{s_ph.get('autograde', 0):.1f} / {s_ph.get('apply_verification', 0):.1f} / "
                  f"{s_ph.get('grade_capstone', 0):.1f} / "
                  f"{s_ph.get('generate_feedback', 0):.1f}", flush=True)
    skip, run = statistics.mean(totals["skip"]), statistics.mean(totals["run"])
    print(f"{'mean':<33} {skip:6.1f} {run:6.1f} {run / skip:6.2f}   "
          f"load average {os.getloadavg()[0]:.2f}")
    shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
