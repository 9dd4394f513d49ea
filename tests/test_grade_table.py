"""The plain-text grade table that `tdn grade` and `tdn export` print."""
from __future__ import annotations

from autograder import grade

A0, A1 = "00_gradient_checking", "01_activations"
LONG = "a_student_with_a_very_long_id"


def _row(student, assignment, score, max_score, pending=0.0, status="graded"):
    return {"student": student, "assignment": assignment, "score": score, "max_score": max_score,
            "manual_pending": pending, "status": status}


def test_long_student_ids_and_pending_notes_keep_every_column_aligned():
    rows = [_row(LONG, A0, 14, 21, pending=7), _row("bo", A0, 3, 21),
            _row("bo", A1, 0, 31, status="not submitted"), _row(LONG, A1, 24, 31, pending=7)]
    header, long_line, bo_line = grade.table(rows).splitlines()[:3]
    expected = {LONG: {A0: "14/14 +7 pending", A1: "24/24 +7 pending"}, "bo": {A0: "3/21", A1: "-"}}
    for line, student in ((long_line, LONG), (bo_line, "bo")):
        assert line.startswith(student + " ")
        for name in (A0, A1):               # names are not cut, each cell ends where its name ends
            end = header.index(name) + len(name)
            assert line[:end].endswith(" " + expected[student][name]), (line, name)
            assert line[end:end + 1] in ("", " "), (line, name)
    assert header.index(A0) > len(LONG)     # the name column is as wide as the longest id
