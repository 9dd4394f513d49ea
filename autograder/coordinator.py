"""The one process that owns a course while it is graded.

It packs each submission into a :class:`~autograder.jobs.Job`, hands the jobs
to workers (:func:`autograder.worker.run_job`: in this process's pool of worker
processes or on a Dask cluster), and writes every :class:`~autograder.jobs.Result`
into the course as it arrives (:func:`merge`): files, the gradebook, then the
submission's status, each step complete before the next. Then it exports.

What a run guarantees:

* **Safe or nothing.** Without a working bubblewrap grading refuses to start
  (:class:`~autograder.sandbox.SandboxUnavailable`) unless isolation was turned
  off explicitly (``Limits(sandbox=False)``, ``grade --no-sandbox``); such a run
  is recorded as unisolated in the status, the export's notes and the report.
* **One run at a time.** A lock file refuses a second ``grade`` on the same course.
* **Interruptible.** Ctrl-C (SIGINT) stops at once: pending jobs are cancelled,
  the worker processes and their kernels killed; every result merged so far is
  recorded, nothing is half-written (a merge finishes before the interrupt is
  taken), and running ``grade`` again grades the rest.
* **A backup first.** The gradebook is copied to ``backups/`` before each run.
* **The export is derived from what exists**: a student without a submission
  is ``not submitted``, a submission not graded yet ``not graded yet``.
"""
from __future__ import annotations

import csv
import fcntl
import json
import os
import shutil
import signal
import sqlite3
import tempfile
import time
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .jobs import Job, Result, pack, unpack
from .manifest import ASSIGNMENTS, Assignment
from .paths import Course
from .repair import notebooks_in, renamed_notebook
from .sandbox import Limits, require_sandbox

GRADE_COLUMNS = ["student", "assignment", "score", "max_score", "status",
                 "auto_score", "auto_max_score", "manual_pending", "notes"]
NOT_SUBMITTED = "not submitted"
NOT_GRADED = "not graded yet"
UNISOLATED = "unisolated: graded with --no-sandbox, student code could read and write " \
             "what the grading user can"
BACKUPS_KEPT = 20
SCHEDULER_TIMEOUT = "10s"


class GradingError(RuntimeError):
    """An anticipated reason not to grade; the message says what to do, in one sentence."""


class Interrupted(GradingError):
    """The run was stopped (Ctrl-C); every result merged before that is recorded."""

    def __init__(self, done: int, total: int):
        self.done, self.total = done, total
        super().__init__(
            f"interrupted: {done} of {total} submissions graded and recorded, "
            f"{total - done} not graded; run grade again to finish")


@dataclass
class Outcome:
    student: str
    assignment: str
    status: str
    seconds: float = 0.0
    notes: str = ""

    @property
    def graded(self) -> bool:
        return self.status.startswith("graded")


# ------------------------------------------------------------------ what to grade
def chosen_assignments(course: Course, names: list[str] | None) -> list[Assignment]:
    known = {a.name: a for a in ASSIGNMENTS}
    unknown = [n for n in names or () if n not in known]
    if unknown:
        raise GradingError(f"unknown assignment {', '.join(unknown)}; "
                           f"known: {', '.join(known)}")
    if not names:
        return list(ASSIGNMENTS)
    unreleased = [n for n in names if not (course.release / n).exists()]
    if unreleased:
        raise GradingError(f"{', '.join(unreleased)} is not released in {course.root}: "
                           f"build it first (build {' '.join(unreleased)})")
    return [known[n] for n in names]


def submissions(course: Course, names: list[str] | None = None,
                students: list[str] | None = None) -> list[tuple[str, Assignment]]:
    """Every (student, assignment) submitted and released, in a stable order."""
    chosen = chosen_assignments(course, names)
    if not course.submitted.exists():
        return []
    found = []
    for student_dir in sorted(p for p in course.submitted.iterdir() if p.is_dir()):
        if students and student_dir.name not in students:
            continue
        for assignment in chosen:
            if (course.release / assignment.name).exists() and \
                    (student_dir / assignment.name).is_dir():
                found.append((student_dir.name, assignment))
    return found


def fingerprint(folder: Path) -> str:
    """What a submission folder holds, as of now: its files' names, sizes and times.

    ``nbgrader collect --update`` rewrites a folder when a student submits again,
    so a different fingerprint means a submission not graded in its present form.
    """
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file() and ".ipynb_checkpoints" not in path.parts:
            stat = path.stat()
            digest.update(f"{path.relative_to(folder)}\0{stat.st_size}\0"
                          f"{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def ungraded(course: Course, todo: list[tuple[str, Assignment]]) -> list[tuple[str, Assignment]]:
    """The submissions of ``todo`` never graded in their present form (``grade --new``)."""
    statuses = load_statuses(course)
    return [(s, a) for s, a in todo
            if statuses.get(f"{s}/{a.name}", {}).get("fingerprint")
            != fingerprint(course.submitted / s / a.name)]


def precheck(course: Course, assignment: Assignment, student: str) -> str | None:
    """Reasons a submission cannot be graded, found before running anything."""
    folder = course.submitted / student / assignment.name
    if not folder.is_dir():
        return "no submission"
    notebook = folder / assignment.notebook
    if not notebook.exists():
        notebook = renamed_notebook(folder, assignment.notebook)
        if notebook is None:
            others = [p.name for p in notebooks_in(folder)]
            return (f"notebook {assignment.notebook} missing from the submission"
                    + (f" (it holds {', '.join(others)}: which one is the assignment?)"
                       if others else ""))
    try:
        text = notebook.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return "notebook is not valid JSON (not UTF-8 text)"
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return f"notebook is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
    import nbformat

    try:
        nbformat.reads(text, as_version=4)
    except Exception as exc:  # valid JSON, but not a notebook nbformat can read
        return f"not a readable notebook ({type(exc).__name__})"
    return None


# ------------------------------------------------------------------ the gradebook
def check_gradebook(course: Course) -> None:
    """Raise :class:`GradingError` unless ``course`` has a readable nbgrader gradebook."""
    restore = restore_hint(course)
    if not course.gradebook.exists():
        raise GradingError(f"no gradebook at {course.gradebook}: build the course first "
                           f"(build), or {restore}")
    try:
        con = sqlite3.connect(f"file:{course.gradebook}?mode=ro", uri=True)
        try:
            con.execute("SELECT COUNT(*) FROM assignment").fetchone()
            con.execute("SELECT COUNT(*) FROM grade").fetchone()
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise GradingError(f"{course.gradebook} is not a readable nbgrader gradebook ({exc}): "
                           f"{restore}") from None


def backups_dir(course: Course) -> Path:
    return course.root / "backups"


def restore_hint(course: Course) -> str:
    kept = sorted(backups_dir(course).glob("gradebook-*.db"))
    if kept:
        return f"restore the latest backup: cp {kept[-1]} {course.gradebook}"
    return "restore it from your own backup of the course directory"


def backup_gradebook(course: Course) -> Path:
    """Copy the gradebook to ``backups/gradebook-<UTC time>.db`` (SQLite's online backup)."""
    folder = backups_dir(course)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
    target = folder / f"gradebook-{stamp}.db"
    source = sqlite3.connect(f"file:{course.gradebook}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    for old in sorted(folder.glob("gradebook-*.db"))[:-BACKUPS_KEPT]:
        old.unlink()
    return target


@contextmanager
def course_lock(course: Course):
    """Hold ``.grading.lock`` for a whole run; a second run on the course is refused."""
    course.root.mkdir(parents=True, exist_ok=True)
    path = course.root / ".grading.lock"
    fh = open(path, "a+")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            raise GradingError(f"another grade is running on {course.root} ({holder}): wait "
                               "for it to finish or stop it first") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}, started {datetime.now().isoformat(timespec='seconds')}")
        fh.flush()
        yield
    finally:
        fh.close()


# ------------------------------------------------------------------ jobs
def template_gradebook(course: Course) -> bytes:
    """The course's gradebook without its students: assignments, notebooks and cells.

    That is all a worker needs, and its size does not grow with the class: a job
    carries this rather than every classmate's grades (which would make
    shipping the jobs of a large class quadratic in its size).
    """
    from nbgrader.api import Gradebook

    with tempfile.TemporaryDirectory(prefix="gradebook-") as tmp:
        path = Path(tmp) / "gradebook.db"
        shutil.copy2(course.gradebook, path)
        with Gradebook(f"sqlite:///{path}") as gb:
            for student in list(gb.students):
                gb.remove_student(student.id)
        con = sqlite3.connect(path)
        try:
            con.execute("VACUUM")
        finally:
            con.close()
        return path.read_bytes()


def make_job(course: Course, assignment: Assignment, student: str,
             limits: Limits | None = None, gradebook: bytes | None = None) -> Job:
    """One submission as bytes; pass ``gradebook`` (:func:`template_gradebook`) when
    making many jobs, to compute it once."""
    return Job(
        limits=limits or Limits.from_env(),
        assignment=assignment.name,
        student=student,
        notebook=assignment.notebook,
        source=pack(course.source / assignment.name),
        submission=pack(course.submitted / student / assignment.name),
        gradebook=template_gradebook(course) if gradebook is None else gradebook,
    )


def _quiet_worker() -> None:
    """Worker processes leave Ctrl-C to the coordinator, which kills them.

    A no-op handler rather than SIG_IGN: an ignored SIGINT would be inherited by
    the kernels they start, and nbgrader interrupts a cell past its time limit
    with SIGINT.
    """
    signal.signal(signal.SIGINT, lambda *_: None)


def _descendants(pids: list[int]) -> list[int]:
    """Every process below ``pids`` (kernels start in sessions of their own)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], list(pids)
    while todo:
        pid = todo.pop()
        for child in children.get(pid, []):
            found.append(child)
            todo.append(child)
    return found


def _kill_pool(pool) -> None:
    workers = [p.pid for p in (getattr(pool, "_processes", None) or {}).values()]
    for pid in _descendants(workers) + workers:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    pool.shutdown(wait=False, cancel_futures=True)


def _execute(jobs: list[Job], workers: int, scheduler: str | None):
    """Yield results as they finish, from worker processes or a Dask cluster.

    However the caller stops (Ctrl-C, an error), pending jobs are cancelled and
    the worker processes, with everything they started, are killed.
    """
    from .worker import run_job

    if not jobs:
        return
    if scheduler:
        from distributed import Client, as_completed

        try:
            client = Client(scheduler, timeout=SCHEDULER_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            raise GradingError(f"cannot reach the Dask scheduler at {scheduler} within "
                               f"{SCHEDULER_TIMEOUT} ({type(exc).__name__}): start it with "
                               "`dask scheduler` and check the address") from None
        futures = []
        try:
            # Jobs are bytes (submission, source, gradebook template): send them to
            # the cluster as data rather than inside the task graph.
            futures = client.map(run_job, client.scatter(jobs), pure=False)
            for future in as_completed(futures):
                yield future.result()
        finally:
            client.cancel([f for f in futures if not f.done()])
            client.close()
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed as done

    ctx = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=max(1, workers), mp_context=ctx,
                               initializer=_quiet_worker)
    finished = False
    try:
        # Workers start while Ctrl-C is ignored, so that they inherit that until their
        # initializer runs: a Ctrl-C while they import would print their tracebacks.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            futures = [pool.submit(run_job, job) for job in jobs]
        finally:
            signal.signal(signal.SIGINT, previous)
        for future in done(futures):
            yield future.result()
        finished = True
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:
            _kill_pool(pool)


@contextmanager
def _uninterrupted():
    """Hold Ctrl-C until the block is done: a merge is never half-written."""
    held = []
    try:
        previous = signal.signal(signal.SIGINT, lambda *_: held.append(True))
    except ValueError:   # not the main thread: nothing can interrupt it here
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if held:
        raise KeyboardInterrupt


# ------------------------------------------------------------------ statuses
def status_file(course: Course) -> Path:
    return course.root / "grading_status.json"


def load_statuses(course: Course) -> dict[str, dict]:
    path = status_file(course)
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise GradingError(f"{path} is not valid JSON ({exc.msg}): delete it and grade "
                           "again") from None


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def save_statuses(course: Course, outcomes: list[Outcome], isolated: bool = True) -> None:
    statuses = load_statuses(course)
    for o in outcomes:
        statuses[f"{o.student}/{o.assignment}"] = {"status": o.status, "notes": o.notes,
                                                   "isolated": isolated}
    _write_atomically(status_file(course), json.dumps(statuses, indent=1, sort_keys=True))


def status_of(result: Result) -> str:
    if not result.ok:
        return f"failed: {result.reason}"
    if result.repairs:
        return "graded (notebook repaired: " + "; ".join(result.repairs) + ")"
    return "graded"


# ------------------------------------------------------------------ merge
def _replace_folder(target: Path, data: bytes) -> None:
    """Unpack next to ``target``, then swap: a reader sees the old folder or the new one."""
    if not data:
        if target.exists():
            shutil.rmtree(target)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    fresh = unpack(data, target.with_name(f".{target.name}.new"))
    old = target.with_name(f".{target.name}.old")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        target.rename(old)
    fresh.rename(target)
    if old.exists():
        shutil.rmtree(old)


def merge(course: Course, result: Result) -> None:
    """Write one worker's result into the course: files, then the gradebook.

    A failed submission gets every autograded cell set to 0 (never the score a
    previous run left behind); its status says why.
    """
    import warnings

    from nbgrader.api import Gradebook, MissingEntry

    # nbgrader's own gradebook code trips SQLAlchemy's autoflush warning on every
    # new submission; it is harmless and would bury the progress lines.
    warnings.filterwarnings("ignore", message=".*not in session.*")
    _replace_folder(course.autograded / result.student / result.assignment, result.autograded)
    _replace_folder(course.feedback / result.student / result.assignment, result.feedback)
    (course.root / "logs").mkdir(exist_ok=True)
    (course.root / "logs" / f"grade_{result.student}_{result.assignment}.log").write_text(
        result.log)

    with Gradebook(course.db_url) as gb:
        gb.update_or_create_student(result.student)
        kwargs = {}
        if result.timestamp:
            kwargs["timestamp"] = datetime.fromisoformat(result.timestamp)
        sub = gb.update_or_create_submission(result.assignment, result.student, **kwargs)
        by_name = {(g["notebook"], g["name"]): g for g in result.grades}
        for nb in sub.notebooks:
            for grade in nb.grades:
                found = by_name.get((nb.name, grade.name))
                if found is not None:
                    grade.auto_score = found["auto_score"]
                    grade.needs_manual_grade = found["needs_manual_grade"]
                elif grade.cell.cell_type == "code":
                    grade.auto_score = 0.0
                    grade.needs_manual_grade = False
            comments = {(c["notebook"], c["name"]): c for c in result.comments}
            for comment in nb.comments:
                found = comments.get((nb.name, comment.name))
                comment.auto_comment = found["auto_comment"] if found else None
        gb.db.commit()
        try:
            gb.find_submission(result.assignment, result.student)
        except MissingEntry as exc:  # pragma: no cover - the gradebook refused the write
            raise RuntimeError(f"gradebook has no submission after merge: {exc}") from exc


# ------------------------------------------------------------------ a run
def grade_all(course: Course, names: list[str] | None = None, jobs: int = 1,
              scheduler: str | None = None, echo=print, progress: bool = False,
              limits: Limits | None = None, students: list[str] | None = None,
              only_new: bool = False) -> list[Outcome]:
    """Grade every submission (of ``names``, of ``students``; with ``only_new``, those not
    graded in their present form); grading twice gives the same table.

    Workers execute and score (:func:`autograder.worker.run_job`); this process
    alone writes the course's files, gradebook and statuses, one result at a
    time as it arrives. Raises :class:`GradingError` for anything a person must
    fix first, :class:`Interrupted` on Ctrl-C, and
    :class:`~autograder.sandbox.SandboxUnavailable` without a working sandbox.
    """
    limits = limits or Limits.from_env()
    todo = submissions(course, names, students)
    if only_new:
        todo = ungraded(course, todo)
    prints = {(s, a.name): fingerprint(course.submitted / s / a.name) for s, a in todo}
    with course_lock(course):
        check_gradebook(course)
        require_sandbox(limits)
        if not todo:
            return []
        backup_gradebook(course)
        statuses = load_statuses(course)
        outcomes: list[Outcome] = []
        bar = None
        if progress:
            from tqdm.auto import tqdm
            bar = tqdm(total=len(todo), unit="submission", desc="grading")

        def record(result: Result) -> None:
            outcome = Outcome(result.student, result.assignment, status_of(result),
                              result.seconds, result.notes)
            with _uninterrupted():
                merge(course, result)
                statuses[f"{outcome.student}/{outcome.assignment}"] = {
                    "status": outcome.status, "notes": outcome.notes,
                    "isolated": limits.sandbox,
                    "fingerprint": prints[(outcome.student, outcome.assignment)]}
                _write_atomically(status_file(course),
                                  json.dumps(statuses, indent=1, sort_keys=True))
                outcomes.append(outcome)
            if bar is not None:
                bar.update(1)
                bar.set_postfix_str(f"{outcome.student}/{outcome.assignment}: "
                                    f"{outcome.status}"[:60])
            else:
                echo(f"  [{len(outcomes)}/{len(todo)}] {outcome.student:>10} "
                     f"{outcome.assignment:<24} {outcome.status} ({outcome.seconds:.1f} s)")

        try:
            runnable: list[Job] = []
            template = None
            for student, assignment in todo:
                problem = precheck(course, assignment, student)
                if problem:
                    record(Result(assignment.name, student, ok=False, reason=problem))
                    continue
                if template is None:
                    template = template_gradebook(course)
                runnable.append(make_job(course, assignment, student, limits,
                                         gradebook=template))
            # Closed explicitly: on Ctrl-C the workers die now, not when the traceback goes.
            with closing(_execute(runnable, jobs, scheduler)) as results:
                for result in results:
                    record(result)
        except KeyboardInterrupt:
            raise Interrupted(len(outcomes), len(todo)) from None
        finally:
            if bar is not None:
                bar.close()
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


# ------------------------------------------------------------------ export
def gradebook_rows(course: Course) -> list[dict]:
    """One row per student and released assignment, derived from what exists now.

    Students are those of the gradebook (an imported roster, everyone graded
    before) and everyone with a submitted folder. A row's status is the one
    recorded when its submission was last graded, ``not graded yet`` for a
    submission never graded, and ``not submitted`` when the submission folder
    does not exist (whatever an earlier run recorded).
    """
    from nbgrader.api import Gradebook, MissingEntry

    statuses = load_statuses(course)
    rows = []
    with Gradebook(course.db_url, course_id=None) as gb:
        roster = {s.id for s in gb.students}
        if course.submitted.exists():
            roster |= {p.name for p in course.submitted.iterdir() if p.is_dir()}
        assignments = [a for a in gb.assignments if (course.release / a.name).exists()
                       or any(k.endswith(f"/{a.name}") for k in statuses)]
        order = {a.name: i for i, a in enumerate(ASSIGNMENTS)}
        assignments.sort(key=lambda a: (order.get(a.name, len(order)), a.name))
        for assignment in assignments:
            code_max = sum(c.max_score for nb in assignment.notebooks for c in nb.grade_cells
                           if c.cell_type == "code")
            for student in sorted(roster):
                row = dict(student=student, assignment=assignment.name, score=0.0,
                           max_score=assignment.max_score, status=NOT_SUBMITTED,
                           auto_score=0.0, auto_max_score=code_max, manual_pending=0.0,
                           notes="")
                rows.append(row)
                if not (course.submitted / student / assignment.name).is_dir():
                    continue
                recorded = statuses.get(f"{student}/{assignment.name}")
                if recorded is None:
                    row["status"] = NOT_GRADED
                    continue
                row["status"] = recorded["status"]
                notes = [recorded.get("notes", "")]
                if not recorded.get("isolated", True):
                    notes.insert(0, UNISOLATED)
                row["notes"] = "; ".join(n for n in notes if n)
                if not row["status"].startswith("graded"):
                    continue
                try:
                    sub = gb.find_submission(assignment.name, student)
                except MissingEntry:
                    row["status"] = NOT_GRADED
                    continue
                auto = [g for nb in sub.notebooks for g in nb.grades
                        if g.cell.cell_type == "code"]
                manual = [g for nb in sub.notebooks for g in nb.grades
                          if g.cell.cell_type != "code"]
                row["score"] = float(sub.score)
                row["auto_score"] = float(sum(g.score for g in auto))
                row["manual_pending"] = float(sum(g.max_score for g in manual
                                                  if g.needs_manual_grade))
    return rows


def write_rows(rows: list[dict], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=GRADE_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: (f"{v:g}" if isinstance(v, float) else v) for k, v in row.items()})
    os.replace(tmp, path)
    return path


def export(course: Course) -> Path:
    check_gradebook(course)
    path = write_rows(gradebook_rows(course), course.exports / "grades.csv")
    from .course_grade import write_course  # course.csv: every assignment weighs the same
    write_course(path)
    return path


def read_export(path: Path) -> list[dict]:
    with Path(path).open() as fh:
        return list(csv.DictReader(fh))


def unisolated(rows: list[dict]) -> list[dict]:
    return [r for r in rows if str(r.get("notes", "")).startswith("unisolated")]


__all__ = ["GRADE_COLUMNS", "GradingError", "Interrupted", "Outcome", "backup_gradebook",
           "check_gradebook", "course_lock", "export", "grade_all", "gradebook_rows",
           "load_statuses", "make_job", "merge", "precheck", "read_export",
           "refuse_leaking_feedback", "save_statuses", "status_file", "submissions",
           "template_gradebook", "write_rows"]
