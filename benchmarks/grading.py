"""How fast a class is graded: ``python -m benchmarks.grading --students 60``.

Builds the course in a temporary directory, generates a class (students cycle
through the sample class's perfect / stub / buggy submissions), and grades it
four ways, each from scratch: ``--jobs 1``, ``--jobs 2``, a Dask ``LocalCluster``
of two workers, and nbgrader's own ``nbgrader autograde`` (no sandbox, no
re-check, no feedback) for comparison. Prints seconds and seconds per
submission, and checks that the three ways of this course agree.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from autograder import build, grade, sample_class
from autograder.manifest import ASSIGNMENTS, by_name
from autograder.paths import Course, nbgrader_env, venv_bin

KINDS = ("perfect", "stub", "buggy")


def make_class(course: Course, assignments, students: int) -> list[str]:
    sample_class.generate(course, assignments)
    names = []
    for i in range(students):
        kind = KINDS[i % len(KINDS)]
        name = f"s{i:03d}_{kind}"
        names.append(name)
        for a in assignments:
            shutil.copytree(course.submitted / kind / a.name, course.submitted / name / a.name)
    for kind in sample_class.STUDENTS:
        shutil.rmtree(course.submitted / kind)
    return names


def reset(course: Course) -> None:
    for folder in (course.autograded, course.feedback):
        shutil.rmtree(folder, ignore_errors=True)
    grade.status_file(course).unlink(missing_ok=True)


def table(course: Course) -> dict:
    return {(r["student"], r["assignment"]): r["score"]
            for r in grade.read_export(grade.export(course))}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--assignments", nargs="*", default=[a.name for a in ASSIGNMENTS])
    parser.add_argument("--skip", nargs="*", default=[], help="ways to skip: jobs1 jobs2 "
                        "dask nbgrader")
    args = parser.parse_args(argv)
    assignments = [by_name(n) for n in args.assignments]
    root = Path(tempfile.mkdtemp(prefix="bench-grading-"))
    course = Course(root)
    build.build(course, [a.name for a in assignments], echo=lambda *a: None)
    assignments = build.released_assignments(course)
    make_class(course, assignments, args.students)
    n = args.students * len(assignments)
    print(f"class: {args.students} students x {len(assignments)} assignments = {n} submissions;"
          f" load average {os.getloadavg()[0]:.2f}")
    results, tables, busy = {}, {}, {}
    names = [a.name for a in assignments]

    def run(label, fn):
        if label in args.skip:
            return
        reset(course)
        start = time.perf_counter()
        fn()
        results[label] = time.perf_counter() - start
        line = f"  {label:<10} {results[label]:8.1f} s wall  {results[label] / n:6.2f} s/submission"
        if label in busy:
            line += f"  (workers busy {busy[label] / n:5.2f} s per submission)"
        print(line + f"  load {os.getloadavg()[0]:.2f}", flush=True)

    def jobs(k):
        def go():
            outcomes = grade.grade_all(course, names, jobs=k, echo=lambda *a: None)
            busy[f"jobs{k}"] = sum(o.seconds or 0 for o in outcomes)
            tables[f"jobs{k}"] = table(course)
        return go

    def dask():
        from distributed import LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None) as cluster:
            outcomes = grade.grade_all(course, names, scheduler=cluster.scheduler_address,
                                       echo=lambda *a: None)
        busy["dask"] = sum(o.seconds or 0 for o in outcomes)
        tables["dask"] = table(course)

    def nbgrader_own():
        for name in names:
            subprocess.run([str(venv_bin() / "nbgrader"), "autograde", name, "--force"],
                           cwd=root, env=nbgrader_env(), capture_output=True, check=False)

    run("jobs1", jobs(1))
    run("jobs2", jobs(2))
    run("dask", dask)
    run("nbgrader", nbgrader_own)
    if len({tuple(sorted(t.items())) for t in tables.values()}) > 1:
        print("WARNING: the grade tables differ between the ways of grading")
    elif len(tables) > 1:
        print(f"  grade tables of {', '.join(tables)} are identical")
    shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
