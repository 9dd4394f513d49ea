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
import itertools
import json
import os
import shutil
import signal
import tempfile
import time
from contextlib import closing, contextmanager
from typing import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from . import gradebook
from .jobs import Job, Result, pack, unpack
from .manifest import ASSIGNMENTS, Assignment
from .paths import Course
from .sandbox import Limits, require_sandbox

GRADE_COLUMNS = ["student", "assignment", "score", "max_score", "status",
                 "auto_score", "auto_max_score", "manual_pending", "notes"]
NOT_SUBMITTED = "not submitted"
NOT_GRADED = "not graded yet"
UNISOLATED = "unisolated: graded with --no-sandbox, student code could read and write " \
             "what the grading user can"
BACKUPS_KEPT = gradebook.BACKUPS_KEPT
SCHEDULER_TIMEOUT = "10s"
#: At most this many results are written into the gradebook in one transaction.
MERGE_BATCH = 256
#: Jobs handed to each worker ahead of its results: it never waits for the coordinator.
IN_FLIGHT_PER_WORKER = 2
#: Threads that pack jobs and write results' files (they wait on the disk, not on Python).
FILE_THREADS = 4


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
    """Reasons a submission cannot be graded, found before running anything (the worker
    asks this of its copy: :func:`autograder.worker.precheck`)."""
    from .worker import precheck as check

    return check(course, assignment, student)


# ------------------------------------------------------------------ the gradebook
def check_gradebook(course: Course) -> None:
    """Raise :class:`GradingError` unless ``course`` has a readable nbgrader gradebook
    (SQLite in the course directory, or the database its ``gradebook_url`` names)."""
    try:
        gradebook.check(course.db_url, restore_hint(course))
    except gradebook.GradebookError as exc:
        raise GradingError(str(exc)) from None


def backups_dir(course: Course) -> Path:
    return course.root / "backups"


def restore_hint(course: Course) -> str:
    return gradebook.restore_hint(course.root)


def backup_gradebook(course: Course) -> Path:
    """Copy the gradebook to ``backups/gradebook-<UTC time>.db`` (see :func:`gradebook.backup`)."""
    return gradebook.backup(course.db_url, backups_dir(course))


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
    shipping the jobs of a large class quadratic in its size). A SQLite file
    whatever the course's database (:func:`autograder.gradebook.template`).
    """
    return gradebook.template(course.db_url)


def make_job(course: Course, assignment: Assignment, student: str,
             limits: Limits | None = None, gradebook: bytes | None = None,
             source: bytes | None = None) -> Job:
    """One submission as bytes; pass ``gradebook`` (:func:`template_gradebook`) and
    ``source`` (the packed source folder) when making many jobs, to compute them once."""
    return Job(
        limits=limits or Limits.from_env(),
        assignment=assignment.name,
        student=student,
        notebook=assignment.notebook,
        source=pack(course.source / assignment.name) if source is None else source,
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


def _execute(jobs: Iterable[Job], workers: int, scheduler: str | None
             ) -> Iterator[list[Result]]:
    """Yield the results that have finished since the last yield, as lists.

    ``jobs`` is consumed lazily: a few jobs per worker are handed out ahead
    (:data:`IN_FLIGHT_PER_WORKER`), and a new one whenever a result comes back,
    so the first workers start at once and the jobs of a large class are never
    all in memory. Everything that finished while the caller was merging comes
    back as one list, so the merge's batches grow with the rate results arrive.
    However the caller stops (Ctrl-C, an error), pending jobs are cancelled and
    the worker processes, with everything they started, are killed.
    """
    from .worker import run_job

    jobs = iter(jobs)
    if scheduler:
        yield from _execute_on_cluster(jobs, scheduler, run_job)
        return
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    limit = max(1, workers) * IN_FLIGHT_PER_WORKER
    first = list(itertools.islice(jobs, limit))
    if not first:
        return
    ctx = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=max(1, workers), mp_context=ctx,
                               initializer=_quiet_worker)
    pending: set = set()
    finished = False
    try:
        # Workers start while Ctrl-C is ignored, so that they inherit that until their
        # initializer runs: a Ctrl-C while they import would print their tracebacks.
        # The pool starts them during the first submissions, and only then.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            pending = {pool.submit(run_job, job) for job in first}
        finally:
            signal.signal(signal.SIGINT, previous)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            results = [future.result() for future in done]
            # Hand out the next jobs before the caller merges these results.
            for job in itertools.islice(jobs, limit - len(pending)):
                pending.add(pool.submit(run_job, job))
            yield results
        finished = True
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:
            _kill_pool(pool)


def _execute_on_cluster(jobs: Iterator[Job], scheduler: str, run_job) -> Iterator[list[Result]]:
    from distributed import Client, as_completed

    try:
        client = Client(scheduler, timeout=SCHEDULER_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        raise GradingError(f"cannot reach the Dask scheduler at {scheduler} within "
                           f"{SCHEDULER_TIMEOUT} ({type(exc).__name__}): start it with "
                           "`dask scheduler` and check the address") from None
    pending: set = set()

    def hand_out(count: int) -> list:
        batch = list(itertools.islice(jobs, count))
        if not batch:
            return []
        # Jobs are bytes (submission, source, gradebook template): send them to the
        # cluster as data rather than inside the task graph.
        futures = [client.submit(run_job, data, pure=False) for data in client.scatter(batch)]
        pending.update(futures)
        return futures

    def ahead() -> int:   # workers may join or leave while the class is graded
        return max(IN_FLIGHT_PER_WORKER, IN_FLIGHT_PER_WORKER * sum(client.nthreads().values()))

    try:
        started = hand_out(ahead())
        if not started:
            return
        stream = as_completed(started)
        for done in stream.batches():
            pending.difference_update(done)
            results = [future.result() for future in done]
            for future in hand_out(ahead() - len(pending)):
                stream.add(future)
            yield results
    finally:
        client.cancel([f for f in pending if not f.done()])
        client.close()


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


def write_files(course: Course, result: Result) -> None:
    """One result's autograded and feedback folders (each swapped in whole) and its log."""
    _replace_folder(course.autograded / result.student / result.assignment, result.autograded)
    _replace_folder(course.feedback / result.student / result.assignment, result.feedback)
    (course.root / "logs").mkdir(exist_ok=True)
    (course.root / "logs" / f"grade_{result.student}_{result.assignment}.log").write_text(
        result.log)


def merge_batch(course: Course, results: list[Result], gb, after_files=None) -> list:
    """Write workers' results into the course: every result's files, then the gradebook
    in one transaction (``gb``: an open :class:`nbgrader.api.Gradebook`).

    The files of a batch are written by :data:`FILE_THREADS` threads (unpacking
    and writing wait on the disk more than on Python); ``after_files(result)``,
    when given, runs in the same thread once that result's files are written,
    and the list of what it returned is this function's. The rows are
    nbgrader's own (its model classes in its SQLAlchemy session), laid out as
    ``Gradebook.add_submission`` lays out a new submission. A failed submission
    gets every autograded cell set to 0 (never the score a previous run left
    behind); its status says why. Either the whole batch is in the gradebook or
    none of it is.
    """
    def files(result: Result):
        write_files(course, result)
        return after_files(result) if after_files else None

    if len(results) == 1:
        done = [files(results[0])]
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(FILE_THREADS) as pool:
            done = list(pool.map(files, results))
    try:
        _write_grades(gb.db, results)
        gb.db.commit()
    except BaseException:
        gb.db.rollback()
        raise
    return done


def _write_grades(db, results: list[Result]) -> None:
    from nbgrader import utils
    from nbgrader.api import (Assignment, Notebook, Student, SubmittedAssignment,
                              SubmittedNotebook)
    from sqlalchemy.orm import selectinload

    names = {r.student for r in results}
    wanted = {r.assignment for r in results}
    with db.no_autoflush:
        students = {s.id: s for s in db.query(Student).filter(Student.id.in_(names))}
        for name in sorted(names - set(students)):
            students[name] = Student(id=name)
            db.add(students[name])
        assignments = {a.name: a for a in db.query(Assignment)
                       .filter(Assignment.name.in_(wanted))
                       .options(selectinload(Assignment.notebooks)
                                .selectinload(Notebook._base_cells))}
        missing = wanted - set(assignments)
        if missing:
            raise RuntimeError(f"the gradebook has no assignment {', '.join(sorted(missing))}")
        existing = {(s.assignment.name, s.student_id): s for s in
                    db.query(SubmittedAssignment).join(Assignment)
                    .filter(SubmittedAssignment.student_id.in_(names),
                            Assignment.name.in_(wanted))
                    .options(selectinload(SubmittedAssignment.notebooks)
                             .selectinload(SubmittedNotebook.grades),
                             selectinload(SubmittedAssignment.notebooks)
                             .selectinload(SubmittedNotebook.comments))}
        for result in results:
            stamp = (utils.parse_utc(datetime.fromisoformat(result.timestamp))
                     if result.timestamp else None)
            sub = existing.get((result.assignment, result.student))
            if sub is None:
                sub, cells = _new_submission(assignments[result.assignment],
                                             students[result.student], stamp)
                db.add(sub)
            else:
                if stamp is not None:
                    sub.timestamp = stamp
                cells = {}
            scores = {(g["notebook"], g["name"]): g for g in result.grades}
            comments = {(c["notebook"], c["name"]): c for c in result.comments}
            for nb in sub.notebooks:
                name = nb.notebook.name
                for grade in nb.grades:
                    cell = cells.get(id(grade)) or grade.cell
                    found = scores.get((name, cell.name))
                    if found is not None:
                        grade.auto_score = found["auto_score"]
                        grade.needs_manual_grade = found["needs_manual_grade"]
                    elif cell.cell_type == "code":
                        grade.auto_score = 0.0
                        grade.needs_manual_grade = False
                for comment in nb.comments:
                    cell = cells.get(id(comment)) or comment.cell
                    found = comments.get((name, cell.name))
                    comment.auto_comment = found["auto_comment"] if found else None


def _new_submission(assignment, student, stamp) -> tuple[object, dict[int, object]]:
    """A submission with every notebook, grade and comment, as ``Gradebook.add_submission``
    makes it, and each new grade's and comment's cell (by ``id()`` of the row: a row not
    yet flushed has no ``cell`` loaded)."""
    from nbgrader.api import Comment, Grade, SubmittedAssignment, SubmittedNotebook

    sub = SubmittedAssignment(assignment=assignment, student=student)
    if stamp is not None:
        sub.timestamp = stamp
    cells = {}
    for notebook in assignment.notebooks:
        nb = SubmittedNotebook(notebook=notebook, assignment=sub)
        made = [(Grade(cell_id=cell.id, notebook=nb), cell) for cell in notebook.grade_cells]
        made += [(Comment(cell_id=cell.id, notebook=nb), cell)
                 for cell in notebook.solution_cells]
        for cell in notebook.task_cells:
            made += [(Comment(cell_id=cell.id, notebook=nb), cell),
                     (Grade(cell_id=cell.id, notebook=nb), cell)]
        cells.update((id(row), cell) for row, cell in made)
    return sub, cells


def merge(course: Course, result: Result) -> None:
    """Write one worker's result into the course (:func:`merge_batch` of one)."""
    with _open_gradebook(course) as gb:
        merge_batch(course, [result], gb)


@contextmanager
def _open_gradebook(course: Course):
    import warnings

    from nbgrader.api import Gradebook

    # nbgrader's own gradebook code trips SQLAlchemy's autoflush warning on every
    # new submission; it is harmless and would bury the progress lines.
    warnings.filterwarnings("ignore", message=".*not in session.*")
    with Gradebook(course.db_url) as gb:
        yield gb


# ------------------------------------------------------------------ a run
def grade_all(course: Course, names: list[str] | None = None, jobs: int = 1,
              scheduler: str | None = None, echo=print, progress: bool = False,
              limits: Limits | None = None, students: list[str] | None = None,
              only_new: bool = False) -> list[Outcome]:
    """Grade every submission (of ``names``, of ``students``; with ``only_new``, those not
    graded in their present form); grading twice gives the same table.

    Workers execute and score (:func:`autograder.worker.run_job`); this process
    alone writes the course's files, gradebook and statuses, in batches: every
    result that came back while the previous batch was being written (at most
    :data:`MERGE_BATCH`) goes into the gradebook in one transaction, then the
    statuses file is replaced once for the batch. Raises :class:`GradingError`
    for anything a person must fix first, :class:`Interrupted` on Ctrl-C, and
    :class:`~autograder.sandbox.SandboxUnavailable` without a working sandbox.
    """
    limits = limits or Limits.from_env()
    todo = submissions(course, names, students)
    if only_new:
        todo = ungraded(course, todo)
    id_width = max([len(student) for student, _ in todo] + [10])   # progress lines align
    with course_lock(course):
        check_gradebook(course)
        require_sandbox(limits)
        if not todo:
            return []
        backup_gradebook(course)
        statuses = load_statuses(course)
        outcomes: list[Outcome] = []
        prints: dict[tuple[str, str], str] = {}
        bar = None
        if progress:
            from tqdm.auto import tqdm
            bar = tqdm(total=len(todo), unit="submission", desc="grading")

        guard = _FeedbackGuard(course)
        guard.rules()   # once, before the first batch
        leaked: list[str] = []

        def record(batch: list[Result], gb) -> None:
            fresh = [Outcome(r.student, r.assignment, status_of(r), r.seconds, r.notes)
                     for r in batch]
            with _uninterrupted():
                # Each feedback folder is scanned as soon as it is written: one that
                # holds a line students must not see is deleted before anything else.
                for problems in merge_batch(course, batch, gb, guard.check_result):
                    leaked.extend(problems)
                for o in fresh:
                    statuses[f"{o.student}/{o.assignment}"] = {
                        "status": o.status, "notes": o.notes, "isolated": limits.sandbox,
                        "fingerprint": prints[(o.student, o.assignment)]}
                _write_atomically(status_file(course),
                                  json.dumps(statuses, indent=1, sort_keys=True))
                outcomes.extend(fresh)
            for count, o in enumerate(fresh, start=len(outcomes) - len(fresh) + 1):
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix_str(f"{o.student}/{o.assignment}: {o.status}"[:60])
                else:
                    echo(f"  [{count}/{len(todo)}] {o.student:>{id_width}} {o.assignment:<24} "
                         f"{o.status} ({o.seconds:.1f} s)")

        def runnable():
            """The jobs, made as the workers ask for them, by :data:`FILE_THREADS` threads.
            A submission that cannot be graded (no notebook, not JSON) is the worker's
            to find (its precheck)."""
            template = template_gradebook(course)
            sources = {a.name: pack(course.source / a.name) for a in {a for _, a in todo}}

            def job(item: tuple[str, Assignment]) -> Job:
                student, assignment = item
                # What the submission held when it was read: a later resubmission is new.
                prints[(student, assignment.name)] = fingerprint(
                    course.submitted / student / assignment.name)
                return make_job(course, assignment, student, limits, gradebook=template,
                                source=sources[assignment.name])
            return _prefetched(job, todo, FILE_THREADS)

        try:
            with _open_gradebook(course) as gb:
                # Closed explicitly: on Ctrl-C the workers die now, not when the traceback goes.
                with closing(_execute(runnable(), jobs, scheduler)) as stream:
                    for finished in stream:
                        for i in range(0, len(finished), MERGE_BATCH):
                            record(finished[i:i + MERGE_BATCH], gb)
        except KeyboardInterrupt:
            raise Interrupted(len(outcomes), len(todo)) from None
        finally:
            if bar is not None:
                bar.close()
        if leaked:
            from . import leaks

            leaks.refuse_problems(leaked, "the feedback of this run")
    return sorted(outcomes, key=lambda o: (o.assignment, o.student))


def _prefetched(make, items, threads: int):
    """``make(item)`` for each item, in order, computed up to ``2 * threads`` items ahead."""
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    items = iter(items)
    with ThreadPoolExecutor(threads) as pool:
        ahead = deque(pool.submit(make, item) for item in itertools.islice(items, 2 * threads))
        try:
            while ahead:
                made = ahead.popleft().result()
                for item in itertools.islice(items, 1):
                    ahead.append(pool.submit(make, item))
                yield made
        finally:
            for future in ahead:
                future.cancel()


def refuse_leaking_feedback(course: Course, outcomes: list[Outcome]) -> None:
    """Delete any feedback page of ``outcomes`` that holds a line students must not see,
    and raise :class:`~autograder.leaks.LeakFound` naming it (file and line).

    ``grade_all`` does the same batch by batch as it merges (:class:`_FeedbackGuard`).
    """
    from . import leaks

    guard = _FeedbackGuard(course)
    problems = [p for o in outcomes if o.graded
                for p in guard.check(course.feedback / o.student / o.assignment)]
    leaks.refuse_problems(problems, "the feedback of this run")


class _FeedbackGuard:
    """Scans feedback folders for lines students must not see; deletes a folder that
    holds one and returns the problems (file and line)."""

    def __init__(self, course: Course):
        self.course = course
        self._rules = None

    def rules(self):
        if self._rules is None:
            from . import capstone, leaks

            self._rules = (leaks.forbidden_lines(), capstone.secret_tokens(self.course))
        return self._rules

    def check(self, folder: Path) -> list[str]:
        from . import leaks

        if not folder.exists():
            return []
        forbidden, tokens = self.rules()
        problems = leaks.scan(folder, forbidden, tokens=tokens)
        if problems:
            shutil.rmtree(folder)
        return problems

    def check_result(self, result: Result) -> list[str]:
        if not result.ok:
            return []
        return self.check(self.course.feedback / result.student / result.assignment)


# ------------------------------------------------------------------ export
def gradebook_rows(course: Course) -> list[dict]:
    """One row per student and released assignment, derived from what exists now.

    Students are those of the gradebook (an imported roster, everyone graded
    before) and everyone with a submitted folder. A row's status is the one
    recorded when its submission was last graded, ``not graded yet`` for a
    submission never graded, and ``not submitted`` when the submission folder
    does not exist (whatever an earlier run recorded).
    """
    from nbgrader.api import Gradebook, SubmittedAssignment, SubmittedNotebook
    from sqlalchemy.orm import selectinload

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
            # Every submission of the assignment with its grades, in two queries.
            graded = {s.student_id: s for s in gb.db.query(SubmittedAssignment)
                      .filter(SubmittedAssignment.assignment_id == assignment.id)
                      .options(selectinload(SubmittedAssignment.notebooks)
                               .selectinload(SubmittedNotebook.grades))}
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
                sub = graded.get(student)
                if sub is None:
                    row["status"] = NOT_GRADED
                    continue
                auto = [g for nb in sub.notebooks for g in nb.grades
                        if g.cell.cell_type == "code"]
                manual = [g for nb in sub.notebooks for g in nb.grades
                          if g.cell.cell_type != "code"]
                # nbgrader's SubmittedAssignment.score is the sum of its grades' scores, but
                # as a query per submission that scans the grade table (no index): quadratic
                # in the class. The grades are loaded: the same sum, added up here.
                row["score"] = float(sum(g.score for g in auto + manual))
                row["auto_score"] = float(sum(g.score for g in auto))
                # The cell's points (Grade.max_score is the same, one query per grade).
                row["manual_pending"] = float(sum(g.cell.max_score or 0.0 for g in manual
                                                  if g.needs_manual_grade))
    return rows


def write_rows(rows: list[dict], path: Path, columns: list[str] = GRADE_COLUMNS) -> Path:
    """Write ``rows`` as a CSV file of ``columns`` at ``path``, replacing it whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: (f"{v:g}" if isinstance(v, float) else v) for k, v in row.items()})
    os.replace(tmp, path)
    return path


def export(course: Course) -> Path:
    check_gradebook(course)
    rows = gradebook_rows(course)
    path = write_rows(rows, course.exports / "grades.csv")
    from .course_grade import COURSE_FILE, course_rows  # every assignment weighs the same
    columns, lines = course_rows(rows)
    write_rows(lines, course.exports / COURSE_FILE, columns)
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
