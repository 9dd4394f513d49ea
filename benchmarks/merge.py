"""How fast the coordinator writes results into a course: ``python -m benchmarks.merge``.

Everything a grading run does in the instructor's one process, and nothing the
workers do: it builds one assignment in a temporary course, grades its sample
class's perfect, stub and buggy submissions once for real (three sandboxed
kernels: the *recorded* results), copies those three submissions to
``--results`` students, then runs :func:`autograder.grade.grade_all` on all of
them with the workers replaced by a stand-in that answers every job at once
with the recorded result of its kind (renamed to the job's student). So the
run measures the coordinator alone — prechecks, packing the jobs, merging the
results (files, gradebook, statuses), the leak scan of the feedback and the
export — at the rate it would sustain behind an unlimited number of workers.

Prints submissions merged per second and where the coordinator's time went.
Runs against any version of the grader (the stand-in adapts to a coordinator
that takes results one at a time or in batches), so the same file measures
before and after a change, run as a script with the other version's code first on
the path: ``cd <checkout> && PYTHONPATH=$PWD python /path/to/benchmarks/merge.py``.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import tempfile
import time
from pathlib import Path

from autograder import build, coordinator, grade, sample_class, worker
from autograder.manifest import by_name
from autograder.paths import Course

KINDS = ("perfect", "stub", "buggy")


def record(course: Course, assignment) -> dict[str, object]:
    """One real result per kind of submission (sandboxed kernels, re-check, feedback)."""
    recorded = {}
    for kind in KINDS:
        result = worker.run_job(coordinator.make_job(course, assignment, kind))
        assert result.ok, f"{kind}: {result.reason}"
        recorded[kind] = result
    return recorded


def make_class(course: Course, assignment, n: int) -> list[str]:
    names = []
    for i in range(n):
        kind = KINDS[i % len(KINDS)]
        name = f"m{i:05d}_{kind}"
        shutil.copytree(course.submitted / kind / assignment.name,
                        course.submitted / name / assignment.name)
        names.append(name)
    for kind in sample_class.STUDENTS:
        shutil.rmtree(course.submitted / kind, ignore_errors=True)
    return names


def stand_in(recorded: dict, batched: bool):
    """Workers that answer each job at once with its kind's recorded result."""

    def answer(job):
        kind = job.student.rsplit("_", 1)[1]
        return dataclasses.replace(recorded[kind], student=job.student)

    def execute(jobs, workers, scheduler):
        if not batched:
            for job in jobs:
                yield answer(job)
            return
        batch = []
        for job in jobs:
            batch.append(answer(job))
            if len(batch) >= coordinator.MERGE_BATCH:
                yield batch
                batch = []
        if batch:
            yield batch
    return execute


def timed(owner, name: str, spent: dict):
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - start
    setattr(owner, name, wrapper)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--results", type=int, default=10_000)
    parser.add_argument("--assignment", default="00_gradient_checking")
    parser.add_argument("--batch", type=int, default=None,
                        help="results per gradebook transaction (a batching coordinator only)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary course")
    args = parser.parse_args(argv)
    batched = hasattr(coordinator, "MERGE_BATCH")
    if batched and args.batch:
        coordinator.MERGE_BATCH = args.batch
    root = Path(tempfile.mkdtemp(prefix="bench-merge-"))
    course = Course(root)
    assignment = by_name(args.assignment)
    build.build(course, [assignment.name], echo=lambda *a: None)
    sample_class.generate(course, [assignment])
    start = time.perf_counter()
    recorded = record(course, assignment)
    print(f"recorded {len(recorded)} real results in {time.perf_counter() - start:.1f} s")
    make_class(course, assignment, args.results)
    coordinator._execute = stand_in(recorded, batched)
    spent: dict[str, float] = {}
    for owner, name in ((coordinator, "precheck"), (coordinator, "make_job"),
                        (coordinator, "refuse_leaking_feedback"), (coordinator, "merge"),
                        (coordinator, "merge_batch"), (coordinator, "write_files"),
                        (coordinator, "_write_grades"), (coordinator, "_write_atomically")):
        if hasattr(owner, name):
            timed(owner, name, spent)
    print(f"{args.results} results, {'batches of ' + str(coordinator.MERGE_BATCH) if batched else 'one at a time'};"
          f" load average {os.getloadavg()[0]:.2f}", flush=True)
    start, cpu = time.perf_counter(), time.process_time()
    outcomes = grade.grade_all(course, [assignment.name], jobs=1, echo=lambda *a: None)
    graded, cpu = time.perf_counter() - start, time.process_time() - cpu
    start = time.perf_counter()
    grade.export(course)
    exported = time.perf_counter() - start
    assert len(outcomes) == args.results and all(o.graded for o in outcomes)
    rows = grade.read_export(course.exports / "grades.csv")
    scores = {r["student"].rsplit("_", 1)[1]: r["score"] for r in rows}
    print(f"grade_all: {graded:.1f} s, {args.results / graded:.1f} submissions merged per second;"
          f" CPU {cpu:.1f} s of this process ({1000 * cpu / args.results:.1f} ms per submission);"
          f" export {exported:.1f} s; load average {os.getloadavg()[0]:.2f}")
    print("  of which " + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(spent.items())))
    print(f"  scores by kind: {scores}")
    if args.keep:
        print(f"course kept in {root}")
    else:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
