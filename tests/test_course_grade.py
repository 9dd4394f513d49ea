"""course.csv: each assignment weighs the same; pending and ungraded work are never a silent 0."""
from __future__ import annotations

import pytest

from autograder.coordinator import read_export, write_rows
from autograder.course_grade import course_rows


def _row(student, assignment, score, max_score, status="graded", pending=0.0):
    return dict(student=student, assignment=assignment, score=str(score), max_score=str(max_score),
                status=status, auto_score="0", auto_max_score="0", manual_pending=str(pending),
                notes="")


def _course(rows):
    return {line["student"]: line for line in course_rows(rows)[1]}


def test_each_assignment_weighs_the_same_whatever_its_points():
    # full marks on a 10-point assignment, nothing on a 100-point one: 50 %, not 10/110
    lines = _course([_row("ada", "00_a", 10, 10), _row("ada", "01_b", 0, 100)])
    assert lines["ada"]["00_a"] == 100.0 and lines["ada"]["01_b"] == 0.0
    assert lines["ada"]["course_grade"] == 50.0


def test_written_answers_not_graded_yet_are_pending_not_lost():
    # 14 of 21 points so far, 7 still to grade: 66.67 % now, up to 100 %
    lines = _course([_row("ada", "00_a", 14, 21, pending=7)])
    assert lines["ada"]["00_a"] == pytest.approx(66.67)
    assert lines["ada"]["00_a_pending"] == pytest.approx(33.33)
    assert lines["ada"]["course_pending"] == pytest.approx(33.33)


@pytest.mark.parametrize("status", ["not graded yet", "failed: notebook is not valid JSON"])
def test_an_assignment_without_a_grade_leaves_the_course_grade_empty_and_says_why(status):
    lines = _course([_row("ada", "00_a", 10, 10), _row("ada", "01_b", 0, 30, status=status)])
    assert lines["ada"]["01_b"] == "" and lines["ada"]["course_grade"] == ""
    assert f"01_b: {status}" in lines["ada"]["notes"]


def test_an_assignment_not_submitted_counts_zero_and_says_so():
    lines = _course([_row("ada", "00_a", 10, 10), _row("ada", "01_b", 0, 30,
                                                        status="not submitted")])
    assert lines["ada"]["course_grade"] == 50.0
    assert "01_b: not submitted, counted as 0" in lines["ada"]["notes"]


def test_columns_keep_the_course_order_and_every_student_gets_one_row(tmp_path):
    rows = [_row("bob", "00_a", 5, 10), _row("ada", "00_a", 10, 10),
            _row("ada", "01_b", 3, 4), _row("bob", "01_b", 1, 4)]
    columns, lines = course_rows(rows)
    path = write_rows(lines, tmp_path / "course.csv", columns)   # as the export writes it
    header = path.read_text().splitlines()[0].split(",")
    assert header == ["student", "course_grade", "course_pending", "notes", "00_a", "00_a_pending",
                      "01_b", "01_b_pending"]
    lines = read_export(path)
    assert [line["student"] for line in lines] == ["ada", "bob"]
    assert [float(line["course_grade"]) for line in lines] == [87.5, 37.5]
