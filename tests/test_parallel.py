"""Grading in parallel: --jobs N gives the same table as one process (a Dask cluster of real
`dask scheduler` and `dask worker` processes: tests/test_dask_cli.py)."""
from __future__ import annotations

import pytest

from autograder import build, grade, sample_class
from autograder.manifest import by_name
from autograder.sandbox import sandbox_available
from autograder.paths import Course

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not sandbox_available(), reason="bubblewrap is not installed: "
                                 "grading refuses to run (tests/test_instructor_cli.py)")]

ASSIGNMENT = "00_gradient_checking"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = Course(tmp_path_factory.mktemp("parallel"))
    assignment = by_name(ASSIGNMENT)
    build.build(course, [assignment.name], echo=lambda *a: None)
    sample_class.generate(course, [assignment])
    return course


def _table(course):
    rows = grade.read_export(grade.export(course))
    return {(r["student"], r["assignment"]): (r["score"], r["status"], r["notes"]) for r in rows}


@pytest.fixture(scope="module")
def serial(course):
    grade.grade_all(course, [ASSIGNMENT], jobs=1, echo=lambda *a: None)
    return _table(course)


def test_two_worker_processes_give_the_same_table(course, serial):
    grade.grade_all(course, [ASSIGNMENT], jobs=2, echo=lambda *a: None)
    assert _table(course) == serial


def test_serial_table_is_the_expected_one(serial):
    assert serial[("perfect", ASSIGNMENT)][1] == "graded"
    assert serial[("stub", ASSIGNMENT)][0] == "0"
    assert serial[("broken", ASSIGNMENT)][1].startswith("failed:")


def test_jobs_carry_a_gradebook_without_students(course, serial):
    """What a job ships does not grow with the class."""
    import sqlite3
    import tempfile
    from pathlib import Path

    from nbgrader.api import Gradebook

    from autograder.coordinator import template_gradebook

    with Gradebook(course.db_url) as gb:
        assert len(gb.students) >= 3   # the graded sample class is in the course's gradebook
    template = template_gradebook(course)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "gradebook.db"
        path.write_bytes(template)
        with Gradebook(f"sqlite:///{path}") as gb:
            assert gb.students == []
            assignment = gb.find_assignment(ASSIGNMENT)
            assert assignment.num_submissions == 0
            assert assignment.max_score > 0
        con = sqlite3.connect(path)
        assert con.execute("SELECT COUNT(*) FROM grade").fetchone()[0] == 0
        con.close()
