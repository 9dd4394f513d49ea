"""README's "Changing points": rebuild the assignment, grade it again, and the new points hold.

A copy of 00's instructor notebook with one graded cell's points raised stands in for the
instructor's edit (the course's own notebooks stay as they are).
"""
from __future__ import annotations

import shutil

import nbformat
import pytest

from autograder import build, grade, sample_class
from autograder.manifest import by_name
from autograder.paths import NOTEBOOKS, Course
from autograder.sandbox import sandbox_available

A = "00_gradient_checking"
CELL, RAISE = "svm_loss", 2

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not sandbox_available(), reason="bubblewrap is not installed: "
                                 "grading refuses to run (tests/test_instructor_cli.py)")]


def _rows(course):
    return {r["student"]: r for r in grade.read_export(grade.export(course))}


def test_a_rebuilt_assignment_grades_every_submission_against_its_new_points(tmp_path, monkeypatch):
    course = Course(tmp_path / "course")
    build.build(course, [A], echo=lambda *a: None)
    sample_class.generate(course, [by_name(A)])
    grade.grade_all(course, [A], jobs=1, echo=lambda *a: None)
    before = _rows(course)

    edited = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, edited)
    path = edited / f"{A}.ipynb"
    nb = nbformat.read(path, as_version=4)
    (cell,) = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == CELL]
    cell.metadata["nbgrader"]["points"] += RAISE
    nbformat.write(nb, path)
    monkeypatch.setattr(build, "NOTEBOOKS", edited)

    build.build(course, [A], echo=lambda *a: None)
    grade.grade_all(course, [A], jobs=1, echo=lambda *a: None)
    after = _rows(course)

    for student in ("perfect", "stub", "buggy"):
        assert float(after[student]["max_score"]) == float(before[student]["max_score"]) + RAISE
        assert after[student]["status"] == before[student]["status"] == "graded"
    assert float(after["perfect"]["score"]) == float(before["perfect"]["score"]) + RAISE
    assert float(after["stub"]["score"]) == float(before["stub"]["score"]) == 0
