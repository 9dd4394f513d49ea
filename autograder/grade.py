"""Grade submissions: autograde, generate feedback, export grades.

Every (student, assignment) submission ends with a status: ``graded``, or
``failed: <reason>`` when it could not be graded. A failed submission is never
exported as a silent 0 that looks like a real one.
"""
from __future__ import annotations

import csv
import json
import re
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import nbformat

from .manifest import ASSIGNMENTS, Assignment, by_name
from .paths import Course
from .worker import Job, Result, make_job, merge, run_job, template_gradebook

GRADE_COLUMNS = ["student", "assignment", "score", "max_score", "status",
                 "auto_score", "auto_max_score", "manual_pending", "notes"]

# What nbgrader prints when a submission cannot be graded, and what we tell
# the instructor instead.
_FAILURE_PATTERNS = [
    (r"kernel became unresponsive|UnresponsiveKernelError", "kernel unresponsive (infinite loop?)"),
    (r"DeadKernelError|Kernel died",
     "kernel died while running the notebook (a crash, os._exit, or the time or memory limit)"),
    (r"CellTimeoutError|timed out", "a cell ran past the time limit"),
    (r"NotJSONError|Notebook does not appear to be JSON|JSONDecodeError",
     "notebook is not valid JSON"),
    (r"No notebooks found", "no notebook found in the submission"),
]


@dataclass
class Outcome:
    student: str
    assignment: str
    status: str
    seconds: float = 0.0
    notes: str = ""

    @property
    def graded(self) -> bool:
        return self.status == "graded"


def precheck(course: Course, assignment: Assignment, student: str) -> str | None:
    """Reasons a submission cannot be graded, found before running anything."""
    folder = course.submitted / student / assignment.name
    if not folder.is_dir():
        return "no submission"
    notebook = folder / assignment.notebook
    if not notebook.exists():
        return f"notebook {assignment.notebook} missing from the submission"
    try:
        text = notebook.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return "notebook is not valid JSON (not UTF-8 text)"
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return f"notebook is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
    try:
        nbformat.reads(text, as_version=4)
    except Exception as exc:  # valid JSON, but not a notebook nbformat can read
        return f"not a readable notebook ({type(exc).__name__})"
    return None


def failure_reason(log: str) -> str:
    for pattern, reason in _FAILURE_PATTERNS:
        if re.search(pattern, log):
            return reason
    tail = [line for line in log.strip().splitlines() if "ERROR" in line]
    return (tail[-1].split("]", 1)[-1].strip()[:120] if tail else "nbgrader autograde failed")


def submissions(course: Course, names: list[str] | None = None) -> list[tuple[str, Assignment]]:
    chosen = [by_name(n) for n in names] if names else list(ASSIGNMENTS)
    found = []
    if not course.submitted.exists():
        return found
    for student_dir in sorted(p for p in course.submitted.iterdir() if p.is_dir()):
        for assignment in chosen:
            if (course.release / assignment.name).exists() and \
                    (student_dir / assignment.name).exists():
                found.append((student_dir.name, assignment))
    return found


def status_file(course: Course) -> Path:
    return course.root / "grading_status.json"


def load_statuses(course: Course) -> dict[str, dict]:
    path = status_file(course)
    return json.loads(path.read_text()) if path.exists() else {}


def save_statuses(course: Course, outcomes: list[Outcome]) -> None:
    statuses = load_statuses(course)
    for o in outcomes:
        statuses[f"{o.student}/{o.assignment}"] = {"status": o.status, "notes": o.notes}
    status_file(course).write_text(json.dumps(statuses, indent=1, sort_keys=True))


def _failed(course: Course, assignment: str, student: str, reason: str) -> Result:
    return Result(assignment, student, ok=False, reason=reason)


def _execute(jobs: list[Job], workers: int, scheduler: str | None):
    """Yield results as they finish: in this process, a process pool, or a Dask cluster."""
    if scheduler:
        from distributed import Client, as_completed

        with Client(scheduler) as client:
            # Jobs are bytes (submission, source, gradebook template): send them to
            # the cluster as data rather than inside the task graph.
            futures = client.map(run_job, client.scatter(jobs), pure=False)
            for future in as_completed(futures):
                yield future.result()
    elif workers <= 1:
        for job in jobs:
            yield run_job(job)
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed as done

        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            futures = [pool.submit(run_job, job) for job in jobs]
            for future in done(futures):
                yield future.result()


def grade_all(course: Course, names: list[str] | None = None, jobs: int = 1,
              scheduler: str | None = None, echo=print, progress: bool = False,
              limits=None, students: list[str] | None = None) -> list[Outcome]:
    """Grade every submission (of ``names``); idempotent: grading twice gives the same table.

    Workers execute and score (``autograder.worker.run_job``); this process
    alone writes the course's files and gradebook (``merge``).
    """
    todo = [(s, a) for s, a in submissions(course, names) if not students or s in students]
    outcomes: list[Outcome] = []
    runnable: list[Job] = []
    template = None
    for student, assignment in todo:
        problem = precheck(course, assignment, student)
        if problem:
            result = _failed(course, assignment.name, student, problem)
            merge(course, result)
            outcomes.append(Outcome(student, assignment.name, f"failed: {problem}"))
        else:
            if template is None:
                template = template_gradebook(course)
            runnable.append(make_job(course, assignment, student, limits, gradebook=template))
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=len(todo), initial=len(outcomes), unit="submission", desc="grading")
    for result in _execute(runnable, jobs, scheduler):
        merge(course, result)
        status = "graded" if result.ok else f"failed: {result.reason}"
        outcome = Outcome(result.student, result.assignment, status, result.seconds,
                          result.notes)
        outcomes.append(outcome)
        if bar is not None:
            bar.update(1)
            bar.set_postfix_str(f"{result.student}/{result.assignment}: {status}"[:60])
        else:
            echo(f"  [{len(outcomes)}/{len(todo)}] {result.student:>10} "
                 f"{result.assignment:<24} {status} ({result.seconds:.1f} s)")
    if bar is not None:
        bar.close()
    save_statuses(course, outcomes)
    refuse_leaking_feedback(course, outcomes)
    return sorted(outcomes, key=lambda o: (o.assignment, o.student))


def refuse_leaking_feedback(course: Course, outcomes: list[Outcome]) -> None:
    """Delete any feedback page of this run that holds a line students must not see,
    and raise :class:`~autograder.leaks.LeakFound` naming it (file and line)."""
    from . import capstone, leaks

    folders = [course.feedback / o.student / o.assignment for o in outcomes if o.graded]
    folders = [f for f in folders if f.exists()]
    if not folders:
        return
    forbidden = leaks.forbidden_lines()
    tokens = capstone.secret_tokens(course)
    try:
        leaks.refuse_leaks(folders, forbidden, "the feedback of this run", tokens=tokens)
    except leaks.LeakFound:
        for folder in folders:
            if leaks.scan(folder, forbidden, tokens=tokens):
                shutil.rmtree(folder)
        raise


def gradebook_rows(course: Course) -> list[dict]:
    """One row per submission with a status; scores read from nbgrader's gradebook."""
    from nbgrader.api import Gradebook, MissingEntry

    statuses = load_statuses(course)
    rows = []
    with Gradebook(course.db_url, course_id=None) as gb:
        for key in sorted(statuses, key=lambda k: (k.split("/")[1], k.split("/")[0])):
            student, assignment = key.split("/")
            status, notes = statuses[key]["status"], statuses[key].get("notes", "")
            try:
                max_score = gb.find_assignment(assignment).max_score
            except MissingEntry:
                max_score = 0.0
            row = dict(student=student, assignment=assignment, score=0.0,
                       max_score=max_score, status=status, auto_score=0.0,
                       auto_max_score=0.0, manual_pending=0.0, notes=notes)
            try:
                sub = gb.find_submission(assignment, student)
            except MissingEntry:
                sub = None
            if sub is not None:
                auto = [g for nb in sub.notebooks for g in nb.grades
                        if g.cell.cell_type == "code"]
                manual = [g for nb in sub.notebooks for g in nb.grades
                          if g.cell.cell_type != "code"]
                row["auto_max_score"] = sum(g.max_score for g in auto)
                if status == "graded":
                    row["score"] = float(sub.score)
                    row["auto_score"] = float(sum(g.score for g in auto))
                    row["manual_pending"] = float(sum(g.max_score for g in manual
                                                      if g.needs_manual_grade))
            rows.append(row)
    return rows


def export(course: Course) -> Path:
    rows = gradebook_rows(course)
    course.exports.mkdir(parents=True, exist_ok=True)
    path = course.exports / "grades.csv"
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=GRADE_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: (f"{v:g}" if isinstance(v, float) else v) for k, v in row.items()})
    return path


def read_export(path: Path) -> list[dict]:
    with Path(path).open() as fh:
        return list(csv.DictReader(fh))


def table(rows: list[dict]) -> str:
    """A plain-text grade table: one line per student, one column per assignment."""
    students = sorted({r["student"] for r in rows})
    assignments = [a.name for a in ASSIGNMENTS if any(r["assignment"] == a.name for r in rows)]
    cell = {}
    for r in rows:
        pending = float(r["manual_pending"])
        if str(r["status"]).startswith("failed"):
            text = "FAILED"
        else:
            # points waiting for a manual grade are neither scored nor lost
            text = f"{float(r['score']):g}/{float(r['max_score']) - pending:g}"
            if pending:
                text += f" +{pending:g} pending"
        cell[(r["student"], r["assignment"])] = text
    width = max([len(a) for a in assignments] + [8])
    lines = ["student    " + " ".join(a[:width].rjust(width) for a in assignments)]
    for s in students:
        lines.append(f"{s:<10} " + " ".join(cell.get((s, a), "-").rjust(width)
                                            for a in assignments))
    failed = [r for r in rows if str(r["status"]).startswith("failed")]
    if failed:
        lines.append("")
        lines.append("could not be graded:")
        lines += [f"  {r['student']}/{r['assignment']}: {r['status']}" for r in failed]
    pending = sum(float(r["manual_pending"]) for r in rows)
    if pending:
        lines.append("")
        lines.append(f"(+N pending: N points of written answers await manual grading in "
                     f"formgrader, {pending:g} in all; they count neither as scored nor as lost)")
    return "\n".join(lines)


__all__ = ["Outcome", "grade_all", "grade_one", "export", "read_export", "table",
           "gradebook_rows", "asdict"]
