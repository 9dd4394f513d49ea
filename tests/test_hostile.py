"""Hostile and broken submissions graded beside the sample class (assignment 00)."""
from __future__ import annotations

import pytest

from autograder import build, grade, hostile, sample_class
from autograder.manifest import by_name
from autograder.paths import Course
from autograder.sandbox import Limits, sandbox_available

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not sandbox_available(), reason="bubblewrap is not installed: "
                                 "grading refuses to run (tests/test_instructor_cli.py)")]

# Generous enough for a loaded CI machine; the loop that swallows interrupts is
# graded on its own with a short wall clock, which is what ends it.
LIMITS = Limits(cell_timeout=20, wall_seconds=240, cpu_seconds=240, memory_bytes=3 * 1024**3)
SHORT = Limits(cell_timeout=10, wall_seconds=45, cpu_seconds=45, memory_bytes=3 * 1024**3)
SHORT_STUDENTS = ["h_ignores_interrupt"]
# What only the sandbox prevents: reading the source copy or classmates, writing the gradebook.
SANDBOX_ONLY = {"h_snoop_source", "h_snoop_classmates", "h_write_gradebook"}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = Course(tmp_path_factory.mktemp("hostile"))
    assignment = by_name(hostile.ASSIGNMENT)
    build.build(course, [assignment.name], echo=lambda *a: None)
    sample_class.generate(course, [assignment])
    cases = hostile.generate(course)
    others = [c.student for c in cases if c.student not in SHORT_STUDENTS]
    others += list(sample_class.STUDENTS)
    grade.grade_all(course, [assignment.name], jobs=2, limits=LIMITS, students=others,
                    echo=lambda *a: None)
    grade.grade_all(course, [assignment.name], jobs=1, limits=SHORT, students=SHORT_STUDENTS,
                    echo=lambda *a: None)
    rows = {r["student"]: r for r in grade.read_export(grade.export(course))}
    return course, cases, rows


def _case_ids():
    return [c.student for c in hostile.CASES]


@pytest.mark.parametrize("student", _case_ids())
def test_hostile_submission_gets_an_honest_result(graded, student):
    if student in SANDBOX_ONLY and not sandbox_available():
        pytest.skip("without bubblewrap student code can read and write the course (README)")
    course, cases, rows = graded
    case = next(c for c in cases if c.student == student)
    row = rows[student]
    if case.expect_failed is not None:
        assert row["status"].startswith("failed: "), (case.what, row)
        assert case.expect_failed in row["status"], (case.what, row)
        assert float(row["score"]) == 0.0
    elif case.may_fail and row["status"].startswith("failed: "):
        assert float(row["score"]) == 0.0
    else:
        assert row["status"].startswith("graded"), (case.what, row)
        ceiling = float(rows[case.max_score_of]["auto_score"])
        assert float(row["auto_score"]) <= ceiling, (case.what, row)


def test_sample_class_is_unaffected_by_hostile_classmates(graded):
    _, _, rows = graded
    assert float(rows["perfect"]["auto_score"]) == float(rows["perfect"]["auto_max_score"])
    assert float(rows["stub"]["auto_score"]) == 0.0
    assert 0 < float(rows["buggy"]["auto_score"]) < float(rows["buggy"]["auto_max_score"])
    assert rows["broken"]["status"].startswith("failed: notebook is not valid JSON")


def test_broken_functions_earn_nothing(graded):
    _, _, rows = graded
    full = float(rows["perfect"]["auto_score"])
    for student in ("h_infinite_loop", "h_memory_hog", "h_deleted_module", "h_syntax_error",
                    "h_renamed_function", "h_sys_exit", "h_renamed_module",
                    "h_ignores_interrupt"):
        assert float(rows[student]["auto_score"]) < full, rows[student]


def test_tags_on_test_cells_do_not_stop_them_running(graded):
    # Same score and no withdrawn points: the notebook's own tests ran and failed.
    _, _, rows = graded
    row, buggy = rows["h_skip_tags"], rows["buggy"]
    assert row["auto_score"] == buggy["auto_score"], row
    assert "withdrawn" not in row["notes"] and "withdrawn" not in buggy["notes"], (row, buggy)


def test_monkeypatching_wins_no_points(graded):
    _, _, rows = graded
    row = rows["h_monkeypatch"]
    assert float(row["auto_score"]) <= float(rows["buggy"]["auto_score"])


@pytest.mark.skipif(not sandbox_available(), reason="bubblewrap (bwrap) is not installed")
def test_sandbox_hides_the_course_from_student_code(graded):
    _, _, rows = graded
    for student in ("h_snoop_source", "h_snoop_classmates", "h_write_gradebook"):
        assert float(rows[student]["auto_score"]) == 0.0, rows[student]


@pytest.mark.skipif(not sandbox_available(), reason="without bubblewrap a student module can "
                    "write to the course's gradebook (README)")
def test_gradebook_agrees_with_the_export_and_was_not_written_by_students(graded):
    from nbgrader.api import Gradebook

    course, _, rows = graded
    with Gradebook(course.db_url) as gb:
        for student, row in rows.items():
            sub = gb.find_submission(hostile.ASSIGNMENT, student)
            autos = [g for nb in sub.notebooks for g in nb.grades if g.cell.cell_type == "code"]
            assert all((g.auto_score or 0) <= g.max_score for g in autos), student
            if row["status"].startswith("graded"):
                assert sum(g.score for g in autos) == pytest.approx(float(row["auto_score"]))
            else:
                assert sum(g.score for g in autos) == 0.0, student


def test_grading_hostile_students_again_gives_the_same_table(graded):
    course, _, rows = graded
    again = ["h_monkeypatch", "h_skip_tags", "h_missing_notebook", "h_os_exit",
             "h_write_gradebook", "h_deleted_tests", "broken", "buggy"]
    grade.grade_all(course, [hostile.ASSIGNMENT], jobs=2, limits=LIMITS, students=again,
                    echo=lambda *a: None)
    now = {r["student"]: r for r in grade.read_export(grade.export(course))}
    assert now == rows


def test_the_sample_command_writes_the_hostile_class(graded, capsys):
    from autograder import cli

    course, cases, _ = graded
    assert cli.main(["--course-dir", str(course.root), "sample", "--hostile"]) == 0
    out = capsys.readouterr().out
    for case in cases:
        assert case.student in out
        if case.student != "h_missing_notebook":
            assert (course.submitted / case.student / hostile.ASSIGNMENT).is_dir()


def test_points_the_recheck_withdrew_are_explained_in_the_feedback(graded):
    """The re-check's verdicts travel in the worker's result to the feedback page."""
    course, _, rows = graded
    row = rows["h_monkeypatch"]
    assert row["notes"].startswith("points withdrawn"), row
    withdrawn = row["notes"].split(": ", 2)[2].split(" (")[0]
    page = (course.feedback / "h_monkeypatch" / hostile.ASSIGNMENT
            / f"{hostile.ASSIGNMENT}.html").read_text()
    assert f"Test <code>{withdrawn}</code>: failed" in page
    assert "re-check of this function, run outside the notebook, did not match" in page
