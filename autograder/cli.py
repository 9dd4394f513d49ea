"""tdn — build, release, sample, grade and export the Training Deep Networks course.

Every anticipated problem ends the command with one line saying what to do and a
non-zero exit code; --debug shows the traceback as well.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path

from .coordinator import GradingError, Interrupted, NOT_GRADED, NOT_SUBMITTED, unisolated
from .manifest import ASSIGNMENTS
from .paths import LIB, NOTEBOOKS, REPO, Course, nbgrader_env, venv_bin
from .sandbox import Limits, SandboxUnavailable, require_sandbox

PROG = "tdn"
EXIT_REFUSED = 2
EXIT_INTERRUPTED = 130


class Refused(RuntimeError):
    """A command that cannot go on; the message is the one line the instructor sees."""


def _course(args) -> Course:
    return Course(Path(args.course_dir).resolve()) if args.course_dir else Course.default()


def _needs_sources() -> None:
    if not (NOTEBOOKS.is_dir() and LIB.is_dir()):
        raise Refused(f"the course's notebooks and course_lib are not beside the installed "
                      f"package ({REPO}): install from a checkout with `pip install -e "
                      "CHECKOUT` to build, sample or grade (a worker needs only `pip install`)")


def _known(names: list[str]) -> list[str]:
    known = [a.name for a in ASSIGNMENTS]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise Refused(f"unknown assignment {', '.join(unknown)}; known: {', '.join(known)}")
    return names


def cmd_build(args) -> int:
    from . import build as build_mod
    from . import leaks

    _needs_sources()
    course = _course(args)
    names = _known(args.assignment)
    with_solutions_of = tuple(_known(args.with_solutions_of or []))
    print(f"Building the course in {course.root}")
    try:
        build_mod.build(course, names or None, with_solutions_of=with_solutions_of)
    except (build_mod.BuildError, leaks.LeakFound) as exc:
        if args.debug:
            raise
        print(f"build refused: {exc}", file=sys.stderr)
        return 1
    print("Released copies are in", course.release)
    return 0


def cmd_sample(args) -> int:
    from . import build as build_mod
    from . import sample_class

    _needs_sources()
    course = _course(args)
    names = _known(args.assignment)
    released = build_mod.released_assignments(course)
    missing = [n for n in names if n not in {a.name for a in released}]
    if missing:
        raise Refused(f"{', '.join(missing)} is not released in {course.root}: build it first "
                      f"({PROG} build {' '.join(missing)})")
    if not released:
        raise Refused(f"nothing is released in {course.root}: run `{PROG} build` first")
    chosen = [a for a in released if not names or a.name in names]
    made = sample_class.generate(course, chosen)
    print(f"Wrote {len(made)} sample submissions under {course.submitted}")
    if args.hostile:
        from . import hostile

        if hostile.ASSIGNMENT not in [a.name for a in released]:
            raise Refused(f"--hostile needs {hostile.ASSIGNMENT} released")
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


def _limits(args) -> Limits:
    limits = Limits.from_env()
    if getattr(args, "no_sandbox", False):
        limits = dataclasses.replace(limits, sandbox=False)
    return limits


def cmd_grade(args) -> int:
    from . import grade as grade_mod

    _needs_sources()
    course = _course(args)
    if not course.release.exists():
        raise Refused(f"nothing is released in {course.root}: run `{PROG} build` first")
    todo = grade_mod.submissions(course, args.assignment or None, args.student or None)
    who = f" of {', '.join(args.student)}" if args.student else ""
    what = f" of {', '.join(args.assignment)}" if args.assignment else ""
    if not todo:
        raise Refused(f"nothing to grade: no submissions{who}{what} under {course.submitted} "
                      "(collect them first: `nbgrader collect`, or copy each into "
                      "submitted/<student>/<assignment>/)")
    if args.new:
        todo = grade_mod.ungraded(course, todo)
        if not todo:
            raise Refused(f"nothing to grade: every submission{who}{what} was graded as it "
                          "is now (--new grades only those collected since; leave it out to "
                          "grade them all again)")
    limits = _limits(args)
    require_sandbox(limits)
    where = (f"on the Dask cluster at {args.scheduler}" if args.scheduler
             else f"with {args.jobs} worker process{'es' if args.jobs > 1 else ''}")
    print(f"Grading {len(todo)} submissions {where}", flush=True)
    if not limits.sandbox:
        print("UNISOLATED: --no-sandbox, so student code runs with your rights and can read "
              "the hidden tests and write the gradebook; the export and the report say so.")
    start = time.perf_counter()
    try:
        # Each line as it happens, also into a pipe or a log file being followed.
        outcomes = grade_mod.grade_all(course, args.assignment or None, jobs=args.jobs,
                                       scheduler=args.scheduler, limits=limits,
                                       students=args.student or None, only_new=args.new,
                                       progress=sys.stderr.isatty(),
                                       echo=lambda *a: print(*a, flush=True))
    except Exception as exc:
        leaks = sys.modules.get("autograder.leaks")   # imported only once feedback exists
        if leaks is not None and isinstance(exc, leaks.LeakFound):
            raise Refused(f"grading stopped: {exc} Those feedback folders were deleted; "
                          "grades are in the gradebook.") from None
        raise
    failed = sum(not o.graded for o in outcomes)
    print(f"Graded {len(outcomes) - failed}, could not grade {failed}, "
          f"in {time.perf_counter() - start:.1f} s")
    return _export(course)


def _export(course: Course) -> int:
    from . import grade as grade_mod
    from . import report

    path = grade_mod.export(course)
    rows = grade_mod.read_export(path)
    report_html, report_csv = report.write(course, rows)
    print()
    print(grade_mod.table([r for r in rows if r["status"] not in (NOT_SUBMITTED, NOT_GRADED)]))
    waiting = [r for r in rows if r["status"] == NOT_GRADED]
    if waiting:
        print(f"\n{len(waiting)} submissions are not graded yet: run `{PROG} grade` again")
    if unisolated(rows):
        print(f"\n{len(unisolated(rows))} submissions were graded UNISOLATED (--no-sandbox)")
    print(f"\nGrades: {path}\nReport: {report_html} (per test: {report_csv.name})"
          f"\nFeedback: {course.feedback}")
    return 0


def cmd_export(args) -> int:
    return _export(_course(args))


def cmd_student_copy(args) -> int:
    """Copy released assignments into course/student/, never overwriting a student's work."""
    import shutil

    from . import build as build_mod

    course = _course(args)
    released = build_mod.released_assignments(course)
    if not released:
        raise Refused(f"nothing is released in {course.root}: run `{PROG} build` first")
    target = course.root / "student"
    target.mkdir(parents=True, exist_ok=True)
    for assignment in released:
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


def _demo_course(args) -> Course:
    """The demo's own directory; never a course that holds real students."""
    from . import sample_class

    course = Course(Path(args.course_dir).resolve()) if args.course_dir else Course.demo()
    if course.submitted.is_dir():
        real = sorted(p.name for p in course.submitted.iterdir()
                      if p.is_dir() and p.name not in sample_class.STUDENTS)
        if real:
            raise Refused(f"{course.root} holds real submissions ({', '.join(real[:3])}…): "
                          "the demo writes a fake class, so give it its own directory "
                          f"(the default is {Course.demo().root})")
    return course


def cmd_demo(args) -> int:
    from . import build as build_mod
    from . import sample_class

    _needs_sources()
    course = _demo_course(args)
    args.course_dir = str(course.root)
    start = time.perf_counter()
    print(f"Building the demo course in {course.root} (a real course lives elsewhere: "
          f"{Course.default().root})")
    build_mod.build(course)
    made = sample_class.generate(course, build_mod.released_assignments(course))
    print(f"Wrote {len(made)} submissions of the sample class "
          f"({', '.join(sample_class.STUDENTS)})")
    status = cmd_grade(args)
    print(f"\nDemo finished in {time.perf_counter() - start:.0f} s")
    return status


def cmd_parts(args) -> int:
    """Where each part of an assignment lives; exit 1 when one is missing."""
    from . import parts

    names = _known(args.assignment) or [a.name for a in ASSIGNMENTS]
    for name in names:
        print(parts.describe(name))
    return 1 if any(parts.missing(n) for n in names) else 0


def cmd_nbgrader(args) -> int:
    """nbgrader's own command in the course directory, with this environment."""
    course = _course(args)
    if not (course.root / "nbgrader_config.py").exists():
        raise Refused(f"{course.root} is not a built course: run `{PROG} build` first")
    argv = [str(venv_bin() / "nbgrader"), *args.nbgrader_args]
    os.chdir(course.root)
    os.execve(argv[0], argv, nbgrader_env())
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=PROG, description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--course-dir", help="nbgrader course directory (default: ./course of the "
                   "checkout, or $COURSE_DIR)")
    p.add_argument("--gradebook-url", metavar="URL",
                   help="keep the course's grades in this database (a SQLAlchemy URL, e.g. "
                   "postgresql+psycopg://USER@HOST/DATABASE, no password), written into the "
                   "course directory's gradebook_url at the first build (default: "
                   "gradebook.db, SQLite, in the course directory)")
    p.add_argument("--debug", action="store_true", help="show the traceback of an error")
    sub = p.add_subparsers(dest="verb", required=True)
    for name, fn, help_ in [
        ("build", cmd_build, "assemble course/source and release every assignment"),
        ("release", cmd_build, "same as build: generate the student copies in course/release"),
        ("sample", cmd_sample, "write the sample class's submissions into course/submitted"),
        ("grade", cmd_grade, "autograde, generate feedback, export grades.csv and the report"),
        ("export", cmd_export, "write grades.csv and the report from the gradebook as it is"),
        ("student-copy", cmd_student_copy, "copy the release to course/student/ for make lab"),
        ("student-lab", cmd_student_lab, "JupyterLab on course/student/ as a student sees it "
         "(formgrader and create-assignment off)"),
        ("parts", cmd_parts, "where each part of an assignment lives (notebook, modules, "
         "checks, probes, sample bug) and what is missing"),
        ("demo", cmd_demo, "build, release and grade the sample class in a demo course of its "
         "own (demo-course/), print the grade table"),
    ]:
        s = sub.add_parser(name, help=help_)
        if name != "export":
            s.add_argument("assignment", nargs="*", help="assignment names (default: all)")
        if name in ("build", "release"):
            s.add_argument("--with-solutions-of", nargs="+", metavar="ASSIGNMENT",
                           help="ship the reference of these assignments (e.g. those past "
                           "their deadline) in every later release; by default no release "
                           "holds any solution")
        if name == "sample":
            s.add_argument("--hostile", action="store_true",
                           help="also write one hostile or broken submission per case of "
                           "autograder/hostile.py (assignment 00, and 07's capstone)")
        if name in ("grade", "demo"):
            s.add_argument("--jobs", "-j", type=int, default=1,
                           help="grade this many submissions at once, each in its own process")
            s.add_argument("--scheduler", metavar="ADDRESS",
                           help="hand the executions to the Dask scheduler at ADDRESS "
                           "(e.g. tcp://10.0.0.5:8786)")
            s.add_argument("--no-sandbox", action="store_true",
                           help="grade without bubblewrap: student code then runs with your "
                           "rights (recorded in the export and the report)")
        if name == "grade":
            s.add_argument("--student", nargs="+", metavar="STUDENT",
                           help="grade only these students' submissions")
            s.add_argument("--new", action="store_true",
                           help="grade only submissions not graded in their present form "
                           "(collected since the last run)")
        s.set_defaults(fn=fn, student=None, new=False)
    s = sub.add_parser("nbgrader", help="run nbgrader's own command in the course directory "
                       "(e.g. `tdn nbgrader db student import ~/roster.csv`; relative paths "
                       "are relative to the course directory)")
    s.add_argument("nbgrader_args", nargs=argparse.REMAINDER)
    s.set_defaults(fn=cmd_nbgrader)
    return p


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.gradebook_url:
            _set_gradebook(args)
        return args.fn(args)
    except Interrupted as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader of our output has gone (`tdn parts | head`): not an error of ours.
        # Point stdout at /dev/null so that Python's flush at exit does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        if args.debug:
            raise
        if isinstance(exc, _anticipated()):
            print(f"{PROG}: {exc}", file=sys.stderr)
            return EXIT_REFUSED
        # Unanticipated: still one line, the traceback on request.
        print(f"{PROG}: unexpected error: {type(exc).__name__}: {exc} (run again with "
              "--debug to see where)", file=sys.stderr)
        return 1


def _set_gradebook(args) -> None:
    """``--gradebook-url``: the course's database from now on (kept in the course directory)."""
    from . import gradebook

    course = _course(args) if args.course_dir or args.verb != "demo" else Course.demo()
    try:
        gradebook.set_url(course.root, args.gradebook_url)
    except gradebook.GradebookError as exc:
        raise Refused(str(exc)) from None


def _anticipated() -> tuple[type, ...]:
    """Errors whose message is the whole story (those of modules not imported cannot occur)."""
    kinds = [Refused, GradingError, SandboxUnavailable]
    for module, name in (("autograder.build", "BuildError"), ("autograder.leaks", "LeakFound")):
        if module in sys.modules:
            kinds.append(getattr(sys.modules[module], name))
    return tuple(kinds)


def entry() -> None:
    """The ``tdn`` console command."""
    import signal

    # Ctrl-C (SIGINT) always stops tdn cleanly, also when it was started by a script or
    # a background job, which inherit SIGINT ignored: nothing could interrupt a run then.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    raise SystemExit(main())
