"""Grading the capstone of 07: the submitted model on a test set only the grader has.

A student of ``07_babysitting`` submits ``capstone_model.npz`` (written by
``course_lib.capstone.save_model``) beside the notebook. After nbgrader has
scored the notebook, :func:`grade_capstone` — called once from
``autograder.worker.run_job`` — evaluates that file:

* in a fresh process inside the same sandbox and limits as the grading kernel,
  holding only the instructor's ``course_lib`` (from the source copy) and the
  file as the student submitted it (never the copy the grading kernel could
  write to); no student code runs there: ``load_model`` reads arrays, never a
  pickle, into the instructor's ``FullyConnectedNet``;
* on MNIST-1D sequences generated from the course's **hidden seed**, which
  students never see: the build writes it once per course into
  ``course/capstone_secret.json`` and into the capstone's source folder, where
  nbgrader's ``ignore`` list keeps it out of the release and out of the
  autograded folder the grading kernel sees. This process (the grader's own
  code, no student input) generates the test set once per seed and hands the
  evaluation process the arrays, never the seed;
* the points follow ``course_lib.capstone.THRESHOLDS``; the capstone cell's
  score is set to them, and the ``notes`` column and the feedback name the
  outcome: ``scored``, ``no model``, ``not a model``, ``bad configuration``,
  ``wrong shape`` or ``not evaluated`` (the grader could not run it).

``autograder.leaks`` refuses any release or feedback file that holds the seed.
"""
from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .paths import Course
from .sandbox import Limits, kernel_argv

ASSIGNMENT = "07_babysitting"
GRADE_ID = "capstone_model"
MODEL_FILE = "capstone_model.npz"
SECRET_FILE = "capstone_secret.json"
#: Sequences of the hidden test set: a standard error of at most 0.8 points of accuracy.
HIDDEN_TEST_SIZE = 4000
EVAL_TIMEOUT = 180


# ------------------------------------------------------------------ the hidden seed

def ensure_secret(course: Course) -> int:
    """The course's hidden seed, drawn at random the first time and kept in the course."""
    path = course.root / SECRET_FILE
    if path.exists():
        return read_seed(course.root)
    course.root.mkdir(parents=True, exist_ok=True)
    # 9 or 10 digits: a number that never turns up in a file by chance.
    seed = 10**9 + secrets.randbelow(2**31 - 10**9)
    path.write_text(json.dumps({"hidden_test_seed": seed}) + "\n")
    return seed


def read_seed(folder: Path) -> int | None:
    """The seed stored in ``folder/capstone_secret.json``, or None."""
    path = Path(folder) / SECRET_FILE
    if not path.is_file():
        return None
    return int(json.loads(path.read_text())["hidden_test_seed"])


def install_secret(course: Course, assignment_name: str, source_dir: Path) -> None:
    """Put the seed into the capstone's source folder (the build calls this)."""
    if assignment_name == ASSIGNMENT:
        ensure_secret(course)
        shutil.copy2(course.root / SECRET_FILE, Path(source_dir) / SECRET_FILE)


def secret_tokens(course: Course | None) -> dict[str, str]:
    """Strings no student-facing file may contain, mapped to what they are."""
    if course is None:
        return {}
    seed = read_seed(course.root)
    return {} if seed is None else {str(seed): "the capstone's hidden test seed"}


# ------------------------------------------------------------------ evaluation

def _sandboxed(work: Path, limits: Limits) -> list[str]:
    argv = kernel_argv(work, work, limits)
    return argv[:argv.index(sys.executable)]


def hidden_test_set(seed: int, size: int = HIDDEN_TEST_SIZE):
    """``(X, y)``: ``size`` MNIST-1D sequences of ``seed``, generated once per worker process."""
    from . import reference_lib

    # the instructor's copy, never while the re-check has swapped in another (reference_lib.LOCK)
    return reference_lib.module("data").make_mnist1d(size, seed)


def evaluate(source_dir: Path, submitted_dir: Path, seed: int, limits: Limits,
             size: int = HIDDEN_TEST_SIZE) -> dict:
    """The evaluation process's verdict for one submission (a dict, see capstone_eval)."""
    import numpy as np

    from . import capstone_eval

    work = Path(tempfile.mkdtemp(prefix="capstone-"))
    try:
        shutil.copytree(Path(source_dir) / "course_lib", work / "course_lib",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        script = work / "capstone_eval.py"
        shutil.copy2(capstone_eval.__file__, script)
        model = Path(submitted_dir) / MODEL_FILE
        if model.is_symlink():
            return {"status": "not a model",
                    "message": f"{MODEL_FILE} is a link to another file, not a saved model"}
        if model.is_file():
            shutil.copyfile(model, work / MODEL_FILE)
        X, y = hidden_test_set(seed, size)
        with (work / capstone_eval.TEST_FILE).open("wb") as fh:
            np.savez(fh, X=X, y=y)
        out = work / "verdict.json"
        cmd = [*_sandboxed(work, limits), sys.executable, str(script), str(work), str(out)]
        try:
            proc = subprocess.run(cmd, cwd=work, capture_output=True,
                                  text=True, timeout=min(EVAL_TIMEOUT, limits.wall_seconds),
                                  start_new_session=True)
        except subprocess.TimeoutExpired:
            return {"status": "not evaluated", "message": "the evaluation ran past its time "
                                                         f"limit ({EVAL_TIMEOUT} s)"}
        if not out.is_file():
            tail = (proc.stderr or proc.stdout or "").strip().splitlines()[-1:] or ["no output"]
            return {"status": "not evaluated",
                    "message": f"the evaluation process ended with code {proc.returncode} "
                               f"({tail[0][:200]})"}
        return json.loads(out.read_text())
    finally:
        shutil.rmtree(work, ignore_errors=True)


def points(verdict: dict, max_score: float) -> float:
    """The cell's score for a verdict: ``points_for`` scaled to the cell's points."""
    if verdict.get("status") != "scored":
        return 0.0
    return float(max_score) * verdict["points"] / verdict["max_points"]


def sentence(verdict: dict, score: float, max_score: float) -> str:
    """One sentence for the student (feedback) and the instructor (notes)."""
    status = verdict.get("status", "not evaluated")
    if status == "scored":
        return (f"{100 * verdict['accuracy']:.1f}% of the {verdict['size']:,} sequences of "
                f"the grader's own MNIST-1D test set classified correctly: {score:g} / "
                f"{max_score:g} points (thresholds: {verdict['thresholds']}).")
    return f"{verdict.get('message', 'no verdict')}: {score:g} / {max_score:g} points."


def grade_capstone(course: Course, job, grades: list[dict]) -> tuple[str, dict]:
    """Score the capstone cell of one submission.

    ``course`` is the worker's private course (source, submitted, gradebook);
    ``grades`` are the scores nbgrader gave, updated in place. Returns the note
    for grades.csv and the verdict for the feedback (``grade_id -> {'status',
    'sentence'}``), which the worker hands to ``generate_feedback``.
    Submissions of other assignments, or without the capstone cell, are left
    alone: ``("", {})``.
    """
    cell = next((g for g in grades if g["name"] == GRADE_ID), None)
    if job.assignment != ASSIGNMENT or cell is None:
        return "", {}
    source = course.source / job.assignment
    seed = read_seed(source)
    if seed is None:
        verdict = {"status": "not evaluated",
                   "message": f"the course has no hidden test seed ({SECRET_FILE} is missing "
                              "from the source: rebuild the course)"}
    else:
        verdict = evaluate(source, course.submitted / job.student / job.assignment, seed,
                           job.limits)
    max_score = float(cell["max_score"])
    score = points(verdict, max_score)
    text = sentence(verdict, score, max_score)
    cell["auto_score"] = score

    from nbgrader.api import Gradebook

    with Gradebook(course.db_url) as gb:
        gb.find_grade(GRADE_ID, cell["notebook"], job.assignment,
                      job.student).auto_score = score
        gb.db.commit()
    return (f"capstone {verdict.get('status')}: {text}",
            {GRADE_ID: {"status": verdict.get("status"), "sentence": text}})
