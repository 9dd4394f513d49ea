"""Points still waiting for the instructor are shown as pending, never as lost.

The feedback preprocessor is run as ``generate_feedback`` runs it (nbgrader's
``GetGrades`` first) on a gradebook written with nbgrader's own API; the grade
table on rows shaped like the export.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder import grade
from autograder.feedback import StudentFeedback

# nbgrader's own add_submission warns about its SQLAlchemy session; nothing of ours
pytestmark = pytest.mark.filterwarnings("ignore:Object of type <Submitted")


@pytest.fixture(scope="module")
def _gradebook_file(tmp_path_factory):
    """A notebook with a 3-point test (passed) and a 2-point written answer (ungraded).

    Written once (creating a gradebook runs its migrations, seconds); each test
    gets its own copy of the file.
    """
    from nbgrader.api import Gradebook

    path = tmp_path_factory.mktemp("gradebook") / "gradebook.db"
    with pytest.MonkeyPatch.context() as mp:
        # nbgrader's Gradebook runs `alembic` from PATH
        mp.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep
                  + os.environ.get("PATH", ""))
        with Gradebook(f"sqlite:///{path}") as gb:
            gb.add_assignment("a")
            gb.add_notebook("nb", "a")
            gb.add_grade_cell("test_1", "nb", "a", max_score=3, cell_type="code")
            gb.add_solution_cell("answer_1", "nb", "a")
            gb.add_grade_cell("answer_1", "nb", "a", max_score=2, cell_type="markdown")
            gb.add_student("ann")
            gb.add_submission("a", "ann")
            test = gb.find_grade("test_1", "nb", "a", "ann")
            test.auto_score, test.needs_manual_grade = 3.0, False
            gb.db.commit()
    return path


@pytest.fixture
def gradebook(_gradebook_file, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep
                       + os.environ.get("PATH", ""))
    path = tmp_path / "gradebook.db"
    shutil.copy(_gradebook_file, path)
    return f"sqlite:///{path}"


def _notebook():
    test = new_code_cell("assert True", metadata={"nbgrader": {
        "grade": True, "solution": False, "grade_id": "test_1", "points": 3}})
    answer = new_markdown_cell("Because the kink sits within h of the input.", metadata={
        "nbgrader": {"grade": True, "solution": True, "grade_id": "answer_1", "points": 2}})
    return new_notebook(cells=[new_markdown_cell("# Title"), test, answer])


def _feedback(url):
    from nbgrader.preprocessors import GetGrades

    resources = {"nbgrader": {"db_url": url, "notebook": "nb", "assignment": "a",
                              "student": "ann"}}
    nb = _notebook()
    for step in (GetGrades(), StudentFeedback()):
        nb, resources = step.preprocess(nb, resources)
    return nb, resources


def _text(nb):
    return "\n".join(cell.source for cell in nb.cells)


def test_the_headline_counts_only_the_points_graded_so_far(gradebook):
    _, resources = _feedback(gradebook)
    assert (resources["nbgrader"]["score"], resources["nbgrader"]["max_score"]) == (3.0, 3.0)


def test_an_ungraded_answer_is_announced_as_pending_not_scored_zero(gradebook):
    nb, _ = _feedback(gradebook)
    answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id")
                  == "answer_1")
    assert not answer.metadata["nbgrader"]["grade"], "the template would print 0 / 2 on it"
    text = _text(nb)
    assert "2 points pending" in text and "pending, not lost" in text
    assert "Pending, 2 points" in text


def test_a_graded_answer_counts_as_usual(gradebook):
    from nbgrader.api import Gradebook

    with Gradebook(gradebook) as gb:
        answer = gb.find_grade("answer_1", "nb", "a", "ann")
        answer.manual_score, answer.needs_manual_grade = 1.5, False
        gb.db.commit()
    nb, resources = _feedback(gradebook)
    assert (resources["nbgrader"]["score"], resources["nbgrader"]["max_score"]) == (4.5, 5.0)
    assert "pending" not in _text(nb).lower()


def _row(student, score, max_score, pending, status="graded"):
    return {"student": student, "assignment": "00_gradient_checking", "score": score,
            "max_score": max_score, "status": status, "auto_score": score,
            "auto_max_score": max_score - pending, "manual_pending": pending, "notes": ""}


def test_the_grade_table_shows_pending_points_apart_from_the_score():
    text = grade.table([_row("ann", 9.0, 11.0, 2.0), _row("bob", 10.0, 11.0, 0.0)])
    ann = next(line for line in text.splitlines() if line.startswith("ann"))
    bob = next(line for line in text.splitlines() if line.startswith("bob"))
    assert ann.split()[1:] == ["9/9", "+2", "pending"]
    assert bob.split()[1:] == ["10/11"]
    assert "neither as scored nor as lost" in text


def test_a_notebook_without_manual_answers_gets_no_pending_note(gradebook, tmp_path):
    from nbgrader.preprocessors import GetGrades

    nb = _notebook()
    nb.cells = nb.cells[:2]
    resources = {"nbgrader": {"db_url": gradebook, "notebook": "nb", "assignment": "a",
                              "student": "ann"}}
    from nbgrader.api import Gradebook

    with Gradebook(gradebook) as gb:
        answer = gb.find_grade("answer_1", "nb", "a", "ann")
        answer.manual_score, answer.needs_manual_grade = 2.0, False
        gb.db.commit()
    for step in (GetGrades(), StudentFeedback()):
        nb, resources = step.preprocess(nb, resources)
    assert len(nb.cells) == 2 and "pending" not in _text(nb).lower()
    nbformat.validate(nb)
