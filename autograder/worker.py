"""Grade one submission in a private course directory: what a worker runs.

nbgrader's SQLite gradebook takes one writer at a time, and ``nbgrader
autograde`` writes to it while it runs. So a worker never touches the course's
gradebook: it receives a :class:`~autograder.jobs.Job` (the assignment's source
folder, the submission and a gradebook without students, as bytes), repairs the
notebook's ordinary slips (:mod:`autograder.repair`), runs nbgrader's own
``autograde``, the grader's re-check (:mod:`autograder.verify`) and
``generate_feedback`` in a temporary course directory, and returns a
:class:`~autograder.jobs.Result`: scores, re-check verdicts, repairs and files
as plain data. The coordinator (:mod:`autograder.coordinator`) writes it into
the course. This module never imports the coordinator.
"""
from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import tempfile
import threading
import time
from pathlib import Path

from . import capstone
from .jobs import Job, Result, pack, unpack
from .manifest import Assignment, by_name
from .paths import Course
from .repair import notebooks_in, renamed_notebook
from .sandbox import require_sandbox
from .splice import prepare_submission

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


def failure_reason(log: str) -> str:
    for pattern, reason in _FAILURE_PATTERNS:
        if re.search(pattern, log):
            return reason
    tail = [line for line in log.strip().splitlines() if "ERROR" in line]
    return (tail[-1].split("]", 1)[-1].strip()[:120] if tail else "nbgrader autograde failed")


def precheck(course: Course, assignment: Assignment, student: str) -> str | None:
    """Reasons a submission cannot be graded, found before running anything: one sentence,
    or None when it can be graded."""
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


def read_scores(course: Course, assignment: str, student: str):
    """Scores, comments and timestamp of one submission in ``course``'s gradebook."""
    from nbgrader.api import Gradebook

    grades, comments = [], []
    with Gradebook(course.db_url) as gb:
        sub = gb.find_submission(assignment, student)
        timestamp = sub.timestamp.isoformat() if sub.timestamp else None
        for nb in sub.notebooks:
            for g in nb.grades:
                grades.append(dict(notebook=nb.name, name=g.name, auto_score=g.auto_score,
                                   max_score=g.max_score,
                                   needs_manual_grade=bool(g.needs_manual_grade)))
            for c in nb.comments:
                comments.append(dict(notebook=nb.name, name=c.name,
                                     auto_comment=c.auto_comment))
    return grades, comments, timestamp


def run_job(job: Job) -> Result:
    """Autograde, re-check and generate feedback for one submission, in a temporary course."""
    from .repair import repair
    from .runner import NbGrader

    require_sandbox(job.limits)   # a worker machine without bubblewrap grades nothing
    start = time.perf_counter()
    root = Path(tempfile.mkdtemp(prefix=f"grade-{job.student}-"))
    try:
        course = Course(root)
        unpack(job.source, course.source / job.assignment)
        submitted = unpack(job.submission, course.submitted / job.student / job.assignment)
        problem = precheck(course, by_name(job.assignment), job.student)
        if problem:
            return Result(job.assignment, job.student, ok=False, reason=problem,
                          isolated=job.limits.sandbox, seconds=time.perf_counter() - start)
        repairs = repair(submitted, job.notebook, course.source / job.assignment / job.notebook)
        # Shared modules: keep only the functions this assignment teaches (see splice.py).
        spliced = prepare_submission(course.source / job.assignment, submitted,
                                     by_name(job.assignment))
        private_gradebook(course, job.gradebook)
        nbgrader = NbGrader(course, job.limits,
                            notebook_dir=course.autograded / job.student / job.assignment)
        result = nbgrader.autograde(job.assignment, job.student)
        log = result["text"]
        autograded = course.autograded / job.student / job.assignment
        common = dict(repairs=repairs, isolated=job.limits.sandbox)
        if not result["success"] or not (autograded / job.notebook).exists():
            return Result(job.assignment, job.student, ok=False, reason=failure_reason(log),
                          log=log[-20000:], seconds=time.perf_counter() - start, **common)
        grades, comments, timestamp = read_scores(course, job.assignment, job.student)
        withdrawn = apply_verification(course, job, grades)
        # The capstone of 07: the submitted model on the grader's hidden test set.
        capstone_note, capstone_verdict = capstone.grade_capstone(course, job, grades)
        fb = nbgrader.generate_feedback(job.assignment, job.student, withdrawn=withdrawn,
                                        repairs=repairs, capstone=capstone_verdict)
        log += fb["text"]
        if not fb["success"]:
            return Result(job.assignment, job.student, ok=False,
                          reason="feedback could not be generated", log=log[-20000:],
                          seconds=time.perf_counter() - start, **common)
        feedback = course.feedback / job.student / job.assignment
        keep_only_feedback_pages(feedback)
        # The files nbgrader restored from the source are the course's own: only what
        # this submission holds travels back (the notebook as graded, the student's modules).
        return Result(job.assignment, job.student, ok=True, timestamp=timestamp, grades=grades,
                      comments=comments,
                      autograded=pack(autograded, unless_as_in=course.source / job.assignment),
                      withdrawn=withdrawn,
                      notes="; ".join(filter(None, [withdrawn_note(withdrawn), capstone_note]
                                             + spliced)),
                      feedback=pack(feedback),
                      log=log[-20000:], seconds=time.perf_counter() - start, **common)
    finally:
        shutil.rmtree(root, ignore_errors=True)


# ------------------------------------------------------------------ the private gradebook
_engines: dict[str, object] = {}
_engines_lock = threading.Lock()
_private = threading.local()   # .folder: this thread's private gradebook folder
PRIVATE_PREFIX = "tdn-gradebook-"   # then this process's id, a dash and mkdtemp's letters
_orphans_removed = False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:   # someone else's process
        return True
    return True


def remove_orphan_gradebooks() -> list[Path]:
    """Remove the private gradebook folders of worker processes that were killed.

    A worker removes its folders when it exits normally; one that was killed (a
    Ctrl-C'd Dask worker, a machine's OOM killer) leaves them in the temporary
    directory, holding its last student's grades. Folders of this user whose process
    no longer runs are removed; those of running processes are left alone.
    """
    removed = []
    for folder in Path(tempfile.gettempdir()).glob(f"{PRIVATE_PREFIX}*-*"):
        try:
            pid = int(folder.name[len(PRIVATE_PREFIX):].split("-", 1)[0])
            if folder.stat().st_uid != os.getuid() or pid == os.getpid() or _alive(pid):
                continue
        except (ValueError, OSError):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def private_gradebook(course: Course, template: bytes) -> str:
    """Give ``course`` (a job's private course) the gradebook ``template``; return its URL.

    nbgrader opens a gradebook a dozen times per submission, each time with a new
    SQLAlchemy engine that compiles every query again. So each worker thread keeps
    its gradebook at one place for all its jobs (a folder of its own made with
    ``mkdtemp``, named in the course's ``gradebook_url``; the sandbox's private
    ``/tmp`` hides it from the kernel as it hid the course's), and nbgrader's engine
    for that place is made once and kept (:func:`_share_engines`): compiled once,
    its queries are reused by every later submission. Nothing of one submission
    reaches the next: the engine holds no rows (nbgrader's ``close`` disposes of its
    connections, and so does this function), and the file is replaced whole by the
    template, which has no student.
    """
    from .gradebook import URL_FILE

    global _orphans_removed
    folder = getattr(_private, "folder", None)
    if folder is None or not folder.is_dir():
        if not _orphans_removed:
            _orphans_removed = True
            remove_orphan_gradebooks()
        folder = _private.folder = Path(tempfile.mkdtemp(prefix=f"{PRIVATE_PREFIX}{os.getpid()}-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "gradebook.db"
    url = f"sqlite:///{path}"
    with _engines_lock:
        engine = _engines.get(url)
        if engine is not None:
            engine.dispose()   # no connection to the file being replaced
        else:
            _engines[url] = None
    fresh = folder / "gradebook.db.new"
    fresh.write_bytes(template)
    os.replace(fresh, path)   # a connection left open would still see the old file, never a mix
    (course.root / URL_FILE).write_text(url + "\n")
    _share_engines()
    return url


def _share_engines() -> None:
    """Make nbgrader's ``create_engine`` return the kept engine for a private gradebook."""
    import nbgrader.api as api

    if getattr(api.create_engine, "keeps_private_engines", False):
        return
    original = api.create_engine

    def create_engine(url, *args, **kwargs):
        key = str(url)
        with _engines_lock:
            if key not in _engines:   # the course's own gradebook, any other: as nbgrader does
                return original(url, *args, **kwargs)
            if _engines[key] is None:
                _engines[key] = original(url, *args, **kwargs)
            return _engines[key]
    create_engine.keeps_private_engines = True
    api.create_engine = create_engine


# nbgrader's release_feedback reads the submission's timestamp and secret (which names the
# page a student fetches) from the feedback folder; neither holds anything of the course.
FEEDBACK_KEEPS = ("timestamp.txt", "submission_secret.txt")


def keep_only_feedback_pages(folder: Path) -> None:
    """Leave only the feedback HTML (and the two files of :data:`FEEDBACK_KEEPS`) in ``folder``.

    ``generate_feedback`` copies every file of the autograded folder next to the
    HTML: the grader-only ``_hidden.py`` and the restored reference of every
    module the assignment does not teach among them. Instructors zip and upload
    this folder, so nothing but the pages may stay.
    """
    folder = Path(folder)
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_dir():
            if not any(path.iterdir()):
                path.rmdir()
        elif path.suffix != ".html" and not (path.parent == folder
                                             and path.name in FEEDBACK_KEEPS):
            path.unlink()


def apply_verification(course: Course, job: Job, grades: list[dict]) -> dict[str, str]:
    """Re-check graded functions outside the kernel; take back points they did not earn.

    Returns ``grade_id -> reason`` for every cell whose points were taken back;
    ``grades`` and the worker's gradebook are updated to match.
    """
    from .verify import seed_for, verify

    tasks = [g["name"] for g in grades if g["auto_score"] is not None]
    verdicts = verify(course.source / job.assignment,
                      course.autograded / job.student / job.assignment, tasks,
                      seed_for(job.student, job.assignment), job.limits)
    withdrawn = {}
    for g in grades:
        reason = verdicts.get(g["name"])
        if reason and g["auto_score"]:
            withdrawn[g["name"]] = reason
            g["auto_score"] = 0.0
    if withdrawn:
        # The worker's own gradebook, which the feedback is generated from, agrees.
        from nbgrader.api import Gradebook

        with Gradebook(course.db_url) as gb:
            for g in grades:
                if g["name"] in withdrawn:
                    gb.find_grade(g["name"], g["notebook"], job.assignment,
                                  job.student).auto_score = 0.0
            gb.db.commit()
    return withdrawn


def withdrawn_note(withdrawn: dict[str, str]) -> str:
    if not withdrawn:
        return ""
    return ("points withdrawn: passed in the notebook but failed the grader's own re-check: "
            + "; ".join(f"{name} ({reason})" for name, reason in withdrawn.items()))
