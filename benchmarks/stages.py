"""Where a submission's seconds go, stage by stage: ``python -m benchmarks.stages``.

Grades sample submissions in this process the way a worker process does
(:func:`autograder.worker.run_job`, sandbox on, experiments skipped), after one
uncounted submission that pays the process's own start (imports, the sandbox
check, 07's hidden test set). Each stage is timed where it happens:

========================  =====================================================
prepare                   unpack the job, precheck, repair, splice, the template
nbgrader setup            ``NbGrader(...)``: nbgrader's API and its configuration
autograde bookkeeping     nbgrader's autograde minus the kernel: copying files,
                          its gradebook, the preprocessors around Execute
kernel start              the sandboxed kernel's process until it answers
first cell                the notebook's first code cell (its imports, ``carry_forward``)
other cells               every other cell (checks, hidden tests)
kernel stop               shutting the kernel down
read scores               the worker's gradebook read back
re-check: reference       the probes on the instructor's copy (a process, or none)
re-check: student         the probes on the submission (a sandboxed process)
re-check: rest            comparing, and the worker's gradebook updated
capstone                  07's saved model on the hidden test set
feedback                  ``generate_feedback``: the HTML page
rest                      packing the result, cleaning up, the rest
CPU                       CPU seconds of the worker and every process it waited
                          for; bubblewrap does not pass on the times of the
                          processes it ran, so this misses the sandboxed kernel
                          and probes: compare wall times
========================  =====================================================

Each submission is also graded by nbgrader's own autograde in the same process
(before or after, alternately): a private copy, the plain ``python3`` kernel, no
sandbox, no re-check, no feedback — what ``nbgrader autograde`` spends per
submission once its command has started.

``--compare CHECKOUT`` runs this file alternately with CHECKOUT's code (another
version of the course, e.g. ``git archive`` of the commit before a change) and this
checkout's, ``--rounds`` times each,
and prints both tables with the ratio of each stage (medians over the rounds of
each side's mean per submission): the machine may be shared and loaded, so the
two versions are measured side by side, never one after the other.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STAGES = ["prepare", "nbgrader setup", "autograde bookkeeping", "kernel start", "first cell",
          "other cells", "kernel stop", "read scores", "re-check: reference",
          "re-check: student", "re-check: rest", "capstone", "feedback", "rest"]


class Stopwatch:
    """Adds the seconds of wrapped calls to ``self.spent[stage]``."""

    def __init__(self):
        self.spent: dict[str, float] = {}
        self.cells = 0
        self._undo = []

    def add(self, stage: str, seconds: float) -> None:
        self.spent[stage] = self.spent.get(stage, 0.0) + seconds

    def wrap(self, owner, name: str, stage):
        import inspect

        original = getattr(owner, name)
        watch = self

        if inspect.iscoroutinefunction(original):
            async def timed(*args, **kwargs):
                start = time.perf_counter()
                try:
                    return await original(*args, **kwargs)
                finally:
                    watch.add(stage(args, kwargs) if callable(stage) else stage,
                              time.perf_counter() - start)
        else:
            def timed(*args, **kwargs):
                start = time.perf_counter()
                try:
                    return original(*args, **kwargs)
                finally:
                    watch.add(stage(args, kwargs) if callable(stage) else stage,
                              time.perf_counter() - start)
        setattr(owner, name, timed)
        self._undo.append((owner, name, original))

    def install(self) -> None:
        from nbclient.client import NotebookClient

        from autograder import capstone, runner, verify, worker

        def cell_stage(args, kwargs):
            cell = args[1] if len(args) > 1 else kwargs.get("cell")
            if getattr(cell, "cell_type", "code") != "code":
                return "other cells"   # a markdown cell: no time in the kernel
            self.cells += 1
            return "first cell" if self.cells == 1 else "other cells"

        self.wrap(runner.NbGrader, "__init__", "nbgrader setup")
        self.wrap(runner.NbGrader, "autograde", "autograde")
        # nbconvert's Execute calls nbclient's synchronous wrappers
        self.wrap(NotebookClient, "start_new_kernel", "kernel start")
        self.wrap(NotebookClient, "start_new_kernel_client", "kernel start")
        self.wrap(NotebookClient, "execute_cell", cell_stage)
        self.wrap(NotebookClient, "_cleanup_kernel", "kernel stop")
        self.wrap(worker, "read_scores", "read scores")
        self.wrap(worker, "apply_verification", "re-check")
        self.wrap(verify, "run_side", lambda a, k: "re-check: reference"
                  if (a[3] if len(a) > 3 else k.get("limits")) is None
                  else "re-check: student")
        if hasattr(verify, "reference_side"):
            self.wrap(verify, "reference_side", "re-check: reference")
        self.wrap(capstone, "grade_capstone", "capstone")
        self.wrap(runner.NbGrader, "generate_feedback", "feedback")

    def stages(self, total: float) -> dict[str, float]:
        s = dict(self.spent)
        kernel = sum(s.get(k, 0.0) for k in ("kernel start", "first cell", "other cells",
                                              "kernel stop"))
        s["autograde bookkeeping"] = s.pop("autograde", 0.0) - kernel
        sides = s.get("re-check: reference", 0.0) + s.get("re-check: student", 0.0)
        s["re-check: rest"] = s.pop("re-check", 0.0) - sides
        timed = sum(v for k, v in s.items() if k in STAGES)
        s["prepare+rest"] = total - timed
        return s


def cpu_seconds() -> float:
    """CPU of this process and of every child it has waited for (kernels, probes)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def grade(course, assignment, student, watch: Stopwatch) -> tuple[float, dict, bool]:
    from autograder import coordinator, worker

    job = coordinator.make_job(course, assignment, student)
    watch.spent, watch.cells = {}, 0
    start, cpu = time.perf_counter(), cpu_seconds()
    result = worker.run_job(job)
    total = time.perf_counter() - start
    stages = watch.stages(total)
    stages["CPU"] = cpu_seconds() - cpu
    return total, stages, result.ok


def nbgrader_own(course, assignment, student) -> tuple[float, float]:
    """nbgrader's own autograde of the same submission, in this (warm) process: a private
    copy as a worker makes it, the plain ``python3`` kernel, no sandbox, no re-check, no
    feedback. Returns wall and CPU seconds."""
    import shutil

    from autograder import coordinator
    from autograder.jobs import unpack
    from autograder.paths import Course
    from autograder.runner import NbGrader

    job = coordinator.make_job(course, assignment, student)
    root = Path(tempfile.mkdtemp(prefix="bench-nbgrader-"))
    try:
        start, cpu = time.perf_counter(), cpu_seconds()
        private = Course(root)
        unpack(job.source, private.source / job.assignment)
        unpack(job.submission, private.submitted / job.student / job.assignment)
        private.gradebook.write_bytes(job.gradebook)
        NbGrader(private).autograde(job.assignment, job.student)
        return time.perf_counter() - start, cpu_seconds() - cpu
    finally:
        shutil.rmtree(root, ignore_errors=True)


def run(course_dir: Path, assignments: list[str], students: list[str]) -> dict:
    from autograder import build, sample_class
    from autograder.manifest import by_name
    from autograder.paths import Course

    course = Course(course_dir)
    if not (course.root / "gradebook.db").exists():
        build.build(course, list(assignments), echo=lambda *a: None)
        sample_class.generate(course, [by_name(a) for a in assignments])
    watch = Stopwatch()
    watch.install()
    grade(course, by_name("07_babysitting" if "07_babysitting" in assignments
                          else assignments[0]), "stub", watch)   # the process's own start
    rows = []
    for name in assignments:
        for student in students:
            own = nbgrader_own(course, by_name(name), student) if len(rows) % 2 else None
            total, stages, ok = grade(course, by_name(name), student, watch)
            if own is None:
                own = nbgrader_own(course, by_name(name), student)
            stages["nbgrader's own: wall"], stages["nbgrader's own: CPU"] = own
            rows.append({"assignment": name, "student": student, "total": total, "ok": ok,
                         "stages": stages})
            print(f"  {name:<24} {student:<8} {total:5.2f} s, CPU {stages['CPU']:5.2f} s; "
                  f"nbgrader's own {own[0]:5.2f} s, CPU {own[1]:5.2f} s",
                  file=sys.stderr, flush=True)
    return {"rows": rows, "load": os.getloadavg()[0]}


def means(report: dict) -> dict[str, float]:
    rows = report["rows"]
    out = {stage: statistics.mean(r["stages"].get(stage, 0.0) for r in rows)
           for stage in STAGES[:-1] if stage not in ("prepare",)}
    out["prepare + rest"] = statistics.mean(r["stages"]["prepare+rest"] for r in rows)
    out["total"] = statistics.mean(r["total"] for r in rows)
    for key in ("CPU", "nbgrader's own: wall", "nbgrader's own: CPU"):
        out[key] = statistics.mean(r["stages"].get(key, float("nan")) for r in rows)
    return out


def show(tables: dict[str, list[dict]]) -> None:
    names = list(tables)
    keys = list(next(iter(tables.values()))[0])
    medians = {n: {k: statistics.median(t[k] for t in tables[n]) for k in keys}
               for n in names}
    head = f"{'stage (s per submission)':<24}" + "".join(f"{n:>10}" for n in names)
    if len(names) == 2:
        head += f"{'ratio':>8}"
    print(head)
    for k in keys:
        line = f"{k:<24}" + "".join(f"{medians[n][k]:10.3f}" for n in names)
        if len(names) == 2:
            a, b = medians[names[0]][k], medians[names[1]][k]
            line += f"{(b / a if a > 0.005 else float('nan')):8.2f}"
        print(line)
    if len(names) == 2:   # the ratio of totals round by round, for the spread
        ratios = [t2["total"] / t1["total"] for t1, t2 in zip(tables[names[0]], tables[names[1]])]
        print(f"total, per round: {', '.join(f'{r:.2f}' for r in ratios)}")


def main(argv=None) -> int:
    from autograder.manifest import ASSIGNMENTS

    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assignments", nargs="*", default=[a.name for a in ASSIGNMENTS])
    parser.add_argument("--students", nargs="*", default=["perfect", "stub", "buggy"])
    parser.add_argument("--course", type=Path, help="a course built by an earlier run "
                        "(built here, with the sample class, when it has no gradebook)")
    parser.add_argument("--json", type=Path, help="write the measurements here")
    parser.add_argument("--compare", type=Path, metavar="CHECKOUT",
                        help="measure CHECKOUT and this checkout alternately")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    if args.compare:
        here = Path(__file__).resolve().parents[1]
        sides = {"before": args.compare.resolve(), "after": here}
        tmp = Path(tempfile.mkdtemp(prefix="bench-stages-"))
        tables: dict[str, list[dict]] = {name: [] for name in sides}
        for r in range(args.rounds):
            order = list(sides) if r % 2 == 0 else list(sides)[::-1]
            for name in order:
                out = tmp / f"{name}-{r}.json"
                # this file, run as a script: CHECKOUT need not have it; PYTHONPATH and the
                # working directory make its `autograder` and `course_lib` the ones imported
                cmd = [sys.executable, str(Path(__file__).resolve()), "--course",
                       str(tmp / f"course-{name}"), "--json", str(out),
                       "--assignments", *args.assignments, "--students", *args.students]
                print(f"round {r + 1}, {name} ({sides[name]}): load "
                      f"{os.getloadavg()[0]:.2f}", file=sys.stderr, flush=True)
                env = dict(os.environ, PYTHONPATH=str(sides[name]))
                subprocess.run(cmd, cwd=sides[name], env=env, check=True)
                tables[name].append(means(json.loads(out.read_text())))
        show(tables)
        return 0
    course = args.course or Path(tempfile.mkdtemp(prefix="bench-stages-course-"))
    report = run(course, args.assignments, args.students)
    if args.json:
        args.json.write_text(json.dumps(report))
    show({"this": [means(report)]})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
