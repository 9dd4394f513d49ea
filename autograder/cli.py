"""``python -m autograder``: build, release, sample, grade, demo."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import build as build_mod
from . import leaks
from . import grade as grade_mod
from . import report
from . import sample_class
from .paths import Course


def _course(args) -> Course:
    return Course(Path(args.course_dir).resolve()) if args.course_dir else Course.default()


def cmd_build(args) -> int:
    course = _course(args)
    print(f"Building the course in {course.root}")
    try:
        build_mod.build(course, args.assignment or None,
                        with_solutions_of=tuple(args.with_solutions_of or ()))
    except (build_mod.BuildError, leaks.LeakFound) as exc:
        print(f"build refused: {exc}", file=sys.stderr)
        return 1
    print("Released copies are in", course.release)
    return 0


def cmd_sample(args) -> int:
    course = _course(args)
    released = build_mod.released_assignments(course)
    made = sample_class.generate(course, released)
    print(f"Wrote {len(made)} sample submissions under {course.submitted}")
    if args.hostile:
        from . import hostile

        if hostile.ASSIGNMENT not in [a.name for a in released]:
            print(f"--hostile needs {hostile.ASSIGNMENT} released", file=sys.stderr)
            return 2
        cases = hostile.generate(course)
        print(f"Wrote {len(cases)} hostile submissions of {hostile.ASSIGNMENT}:")
        for case in cases:
            print(f"  {case.student:<22} {case.what}")
        if hostile.CAPSTONE_ASSIGNMENT in [a.name for a in released]:
            capstone_cases = hostile.generate_capstone(course)
            print(f"Wrote {len(capstone_cases)} capstone submissions of "
                  f"{hostile.CAPSTONE_ASSIGNMENT}:")
            for case in capstone_cases:
                print(f"  {case.student:<22} {case.what} (expected: {case.status})")
    return 0


def cmd_grade(args) -> int:
    course = _course(args)
    if not course.release.exists():
        print("Nothing is released yet: run `python -m autograder build` first.", file=sys.stderr)
        return 2
    todo = grade_mod.submissions(course, args.assignment or None)
    if not todo:
        print(f"No submissions found under {course.submitted}.", file=sys.stderr)
        return 2
    where = (f"on the Dask cluster at {args.scheduler}" if args.scheduler
             else f"with {args.jobs} worker process{'es' if args.jobs > 1 else ''}")
    print(f"Grading {len(todo)} submissions {where}")
    start = time.perf_counter()
    try:
        outcomes = grade_mod.grade_all(course, args.assignment or None, jobs=args.jobs,
                                       scheduler=args.scheduler, progress=sys.stderr.isatty())
    except leaks.LeakFound as exc:
        print(f"grading stopped: {exc}\nThose feedback folders were deleted; grades are in "
              "the gradebook.", file=sys.stderr)
        return 1
    failed = sum(not o.graded for o in outcomes)
    print(f"Graded {len(outcomes) - failed}, could not grade {failed}, "
          f"in {time.perf_counter() - start:.1f} s")
    path = grade_mod.export(course)
    rows = grade_mod.read_export(path)
    report_html, report_csv = report.write(course, rows)
    print()
    print(grade_mod.table(rows))
    print(f"\nGrades: {path}\nReport: {report_html} (per test: {report_csv.name})"
          f"\nFeedback: {course.feedback}")
    return 0


def cmd_student_copy(args) -> int:
    """Copy released assignments into course/student/, never overwriting a student's work."""
    import shutil

    course = _course(args)
    target = course.root / "student"
    target.mkdir(parents=True, exist_ok=True)
    for assignment in build_mod.released_assignments(course):
        dest = target / assignment.name
        if dest.exists():
            print(f"  kept your work in {dest}")
            continue
        shutil.copytree(course.release / assignment.name, dest)
        print(f"  copied {assignment.name} to {dest}")
    return 0


def cmd_student_lab(args) -> int:
    """Copy the release to course/student/ (keeping a student's work) and open JupyterLab there."""
    from . import student_lab

    status = cmd_student_copy(args)
    if status:
        return status
    student_lab.launch(_course(args))  # replaces this process; never returns
    return 0


def cmd_demo(args) -> int:
    course = _course(args)
    start = time.perf_counter()
    print(f"Building the course in {course.root}")
    build_mod.build(course)
    made = sample_class.generate(course, build_mod.released_assignments(course))
    print(f"Wrote {len(made)} submissions of the sample class "
          f"({', '.join(sample_class.STUDENTS)})")
    status = cmd_grade(args)
    print(f"\nDemo finished in {time.perf_counter() - start:.0f} s")
    return status


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    parser.add_argument("--course-dir", help="nbgrader course directory (default: ./course "
                        "or $COURSE_DIR)")
    sub = parser.add_subparsers(dest="verb", required=True)
    for name, fn, help_ in [
        ("build", cmd_build, "assemble course/source and release every assignment"),
        ("release", cmd_build, "same as build: generate the student copies in course/release"),
        ("sample", cmd_sample, "write the sample class's submissions into course/submitted"),
        ("grade", cmd_grade, "autograde, generate feedback and export grades.csv"),
        ("student-copy", cmd_student_copy, "copy the release to course/student/ for make lab"),
        ("student-lab", cmd_student_lab, "JupyterLab on course/student/ as a student sees it "
         "(formgrader and create-assignment off)"),
        ("demo", cmd_demo, "build, release, grade the sample class, print the grade table"),
    ]:
        p = sub.add_parser(name, help=help_)
        p.add_argument("assignment", nargs="*", help="assignment names (default: all)")
        if name in ("build", "release"):
            p.add_argument("--with-solutions-of", nargs="+", metavar="ASSIGNMENT",
                           help="ship the reference of these assignments (e.g. those past "
                           "their deadline) in every later release; by default no release "
                           "holds any solution")
        if name == "sample":
            p.add_argument("--hostile", action="store_true",
                           help="also write one hostile or broken submission per case of "
                           "autograder/hostile.py (assignment 00, and 07's capstone)")
        if name in ("grade", "demo"):
            p.add_argument("--jobs", "-j", type=int, default=1,
                           help="grade this many submissions at once, each in its own process")
            p.add_argument("--scheduler", metavar="ADDRESS",
                           help="hand the executions to the Dask scheduler at ADDRESS "
                           "(e.g. tcp://10.0.0.5:8786)")
        p.set_defaults(fn=fn)
    args = parser.parse_args(argv)
    return args.fn(args)
