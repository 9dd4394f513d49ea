"""Grade one submission in a private course directory; merge the result in one place.

nbgrader's SQLite gradebook takes one writer at a time, and ``nbgrader
autograde`` writes to it while it runs. So a worker never touches the course's
gradebook: it receives the assignment's source folder, the submission and a
copy of the gradebook as bytes, runs nbgrader's own ``autograde`` and
``generate_feedback`` in a temporary course directory, and returns the scores,
the autograded folder and the feedback as plain data. The one process that
owns the course then writes everything with :func:`merge` — also nbgrader's
API. Because a job is only bytes in and bytes out, the same function runs in
this process, in a process pool, or on a Dask cluster on other machines.
"""
from __future__ import annotations

import io
import json
import shutil
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import capstone
from .manifest import by_name
from .paths import Course
from .sandbox import Limits
from .splice import prepare_submission


@dataclass
class Job:
    assignment: str
    student: str
    notebook: str
    source: bytes
    submission: bytes
    gradebook: bytes
    limits: Limits = field(default_factory=Limits.from_env)


@dataclass
class Result:
    assignment: str
    student: str
    ok: bool
    reason: str = ""
    timestamp: str | None = None
    grades: list[dict] = field(default_factory=list)
    comments: list[dict] = field(default_factory=list)
    autograded: bytes = b""
    feedback: bytes = b""
    log: str = ""
    seconds: float = 0.0
    notes: str = ""


def pack(folder: Path) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for path in sorted(Path(folder).rglob("*")):
            if "__pycache__" in path.parts or ".ipynb_checkpoints" in path.parts:
                continue
            tar.add(path, arcname=str(path.relative_to(folder)), recursive=False)
    return buf.getvalue()


def unpack(data: bytes, dest: Path) -> Path:
    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        tar.extractall(dest, filter="data")
    return dest


def template_gradebook(course: Course) -> bytes:
    """The course's gradebook without its students: assignments, notebooks and cells.

    That is all a worker needs, and its size does not grow with the class: a job
    carries this rather than every classmate's grades (which would make
    shipping the jobs of a large class quadratic in its size).
    """
    import sqlite3

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


def make_job(course: Course, assignment, student: str, limits: Limits | None = None,
             gradebook: bytes | None = None) -> Job:
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
    """Autograde and generate feedback for one submission, in a temporary course."""
    from .grade import failure_reason
    from .runner import NbGrader

    start = time.perf_counter()
    root = Path(tempfile.mkdtemp(prefix=f"grade-{job.student}-"))
    try:
        course = Course(root)
        unpack(job.source, course.source / job.assignment)
        unpack(job.submission, course.submitted / job.student / job.assignment)
        # Shared modules: keep only the functions this assignment teaches (see splice.py).
        spliced = prepare_submission(course.source / job.assignment,
                                     course.submitted / job.student / job.assignment,
                                     by_name(job.assignment))
        course.gradebook.write_bytes(job.gradebook)
        nbgrader = NbGrader(course, job.limits,
                            notebook_dir=course.autograded / job.student / job.assignment)
        result = nbgrader.autograde(job.assignment, job.student)
        log = result["text"]
        autograded = course.autograded / job.student / job.assignment
        if not result["success"] or not (autograded / job.notebook).exists():
            return Result(job.assignment, job.student, ok=False, reason=failure_reason(log),
                          log=log[-20000:], seconds=time.perf_counter() - start)
        grades, comments, timestamp = read_scores(course, job.assignment, job.student)
        notes = apply_verification(course, job, grades)
        # The capstone of 07: the submitted model on the grader's hidden test set.
        notes = "; ".join(n for n in [notes, capstone.grade_capstone(course, job, grades)]
                          + spliced if n)
        fb = nbgrader.generate_feedback(job.assignment, job.student)
        log += fb["text"]
        if not fb["success"]:
            return Result(job.assignment, job.student, ok=False,
                          reason="feedback could not be generated", log=log[-20000:],
                          seconds=time.perf_counter() - start)
        feedback = course.feedback / job.student / job.assignment
        keep_only_feedback_pages(feedback)
        return Result(job.assignment, job.student, ok=True, timestamp=timestamp, grades=grades,
                      comments=comments, autograded=pack(autograded), notes=notes,
                      feedback=pack(feedback),
                      log=log[-20000:], seconds=time.perf_counter() - start)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def keep_only_feedback_pages(folder: Path) -> None:
    """Leave only the feedback HTML in ``folder``.

    ``generate_feedback`` copies every file of the autograded folder next to the
    HTML: the grader-only ``_hidden.py`` and the restored reference of every
    module the assignment does not teach among them. Instructors zip and upload
    this folder, so nothing but the pages may stay.
    """
    for path in sorted(Path(folder).rglob("*"), reverse=True):
        if path.is_dir():
            if not any(path.iterdir()):
                path.rmdir()
        elif path.suffix != ".html":
            path.unlink()


def apply_verification(course: Course, job: Job, grades: list[dict]) -> str:
    """Re-check graded functions outside the kernel; take back points they did not earn."""
    from .verify import seed_for, verify

    tasks = [g["name"] for g in grades if g["auto_score"] is not None]
    verdicts = verify(course.source / job.assignment,
                      course.autograded / job.student / job.assignment, tasks,
                      seed_for(job.student, job.assignment), job.limits)
    taken, withdrawn = [], {}
    for g in grades:
        reason = verdicts.get(g["name"])
        if reason and g["auto_score"]:
            taken.append(f"{g['name']} ({reason})")
            withdrawn[g["name"]] = reason
            g["auto_score"] = 0.0
    if not taken:
        return ""
    # The worker's own gradebook and a record for the feedback see the same scores.
    from nbgrader.api import Gradebook

    from .feedback import withdrawn_file

    with Gradebook(course.db_url) as gb:
        for name in withdrawn:
            for g in grades:
                if g["name"] == name:
                    gb.find_grade(name, g["notebook"], job.assignment,
                                  job.student).auto_score = 0.0
        gb.db.commit()
    record = withdrawn_file(course.root, job.student, job.assignment)
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps(withdrawn))
    return ("points withdrawn: passed in the notebook but failed the grader's own re-check: "
            + "; ".join(taken))


def merge(course: Course, result: Result) -> None:
    """Write one worker's result into the course: files, then the gradebook.

    A failed submission gets every autograded cell set to 0 (never the score a
    previous run left behind); its status says why.
    """
    from datetime import datetime

    from nbgrader.api import Gradebook, MissingEntry

    for folder, data in ((course.autograded, result.autograded),
                         (course.feedback, result.feedback)):
        target = folder / result.student / result.assignment
        if data:
            unpack(data, target)
        elif target.exists():
            shutil.rmtree(target)
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
