"""The course grade: every assignment weighs the same, whatever its points (``exports/course.csv``).

Points follow difficulty inside an assignment (:mod:`autograder.points`), so the
assignments' totals differ: 02 has three initialiser families to write, 01 a whole
network. Across the course each assignment counts equally: its percentage is
``score / max_score`` (code and written answers together), and the course grade is
the mean of the percentages of every assignment in the export. ``tdn export``
(:func:`autograder.coordinator.export`) writes the file beside ``grades.csv``.

Nothing is shown as a grade it is not:

* written answers not graded yet are *pending*, not lost: each assignment's
  ``<assignment>_pending`` column and the ``course_pending`` column give the
  percentage points still to be decided (the grade can only rise by that much);
* an assignment whose submission is not graded yet, or could not be graded
  (``failed: …``), has no percentage, and the student's course grade is left empty,
  with ``notes`` naming the assignment and its status;
* an assignment not submitted counts as 0 %, and ``notes`` says so.
"""
from __future__ import annotations

COURSE_FILE = "course.csv"
NOT_SUBMITTED = "not submitted"


def _number(value) -> float:
    return float(value) if value not in (None, "") else 0.0


def _percent(part, whole) -> float:
    whole = _number(whole)
    return 100.0 * _number(part) / whole if whole > 0 else 0.0


def course_rows(rows: list[dict]) -> tuple[list[str], list[dict]]:
    """``(columns, one row per student)`` from the rows of ``grades.csv`` (dicts, any order).

    Assignments keep the order in which they first occur in ``rows``."""
    assignments = list(dict.fromkeys(r["assignment"] for r in rows))
    columns = ["student", "course_grade", "course_pending", "notes"]
    for name in assignments:
        columns += [name, f"{name}_pending"]
    by_student: dict[str, dict[str, dict]] = {}
    for row in rows:
        by_student.setdefault(row["student"], {})[row["assignment"]] = row
    out = []
    for student in sorted(by_student):
        mine = by_student[student]
        line = {"student": student}
        shares, pending, notes = [], [], []
        for name in assignments:
            row = mine.get(name)
            status = row["status"] if row else "no row in grades.csv"
            if row is not None and (status.startswith("graded") or status == NOT_SUBMITTED):
                share = _percent(row["score"], row["max_score"])
                waiting = _percent(row["manual_pending"], row["max_score"])
                line[name], line[f"{name}_pending"] = round(share, 2), round(waiting, 2)
                shares.append(share)
                pending.append(waiting)
                if status == NOT_SUBMITTED:
                    notes.append(f"{name}: not submitted, counted as 0")
            else:
                line[name] = line[f"{name}_pending"] = ""
                notes.append(f"{name}: {status}")
        complete = bool(assignments) and len(shares) == len(assignments)
        line["course_grade"] = round(sum(shares) / len(shares), 2) if complete else ""
        line["course_pending"] = round(sum(pending) / len(pending), 2) if complete else ""
        if not complete:
            notes.insert(0, "no course grade until every assignment is graded")
        line["notes"] = "; ".join(notes)
        out.append(line)
    return columns, out
