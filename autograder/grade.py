"""Grade submissions: autograde, generate feedback, export grades.

Every (student, assignment) submission ends with a status: ``graded``, or
``failed: <reason>`` when it could not be graded. A failed submission is never
exported as a silent 0 that looks like a real one.

The work is done by :mod:`autograder.coordinator` (jobs, merge, statuses,
export) and :mod:`autograder.worker` (one submission); this module keeps the
names the rest of the course uses and the plain-text grade table.
"""
from __future__ import annotations

from dataclasses import asdict

from .coordinator import (GRADE_COLUMNS, GradingError, Interrupted, Outcome, export,
                          grade_all, gradebook_rows, load_statuses, merge, precheck,
                          read_export, refuse_leaking_feedback, save_statuses, status_file,
                          submissions, ungraded)
from .manifest import ASSIGNMENTS
from .worker import failure_reason


def table(rows: list[dict]) -> str:
    """A plain-text grade table: one line per student, one column per assignment."""
    students = sorted({r["student"] for r in rows})
    assignments = [a.name for a in ASSIGNMENTS if any(r["assignment"] == a.name for r in rows)]
    cell = {}
    for r in rows:
        pending = float(r["manual_pending"])
        if str(r["status"]).startswith("failed"):
            text = "FAILED"
        elif r["status"] != "graded":
            text = "-"          # not submitted, or not graded yet
        else:
            # points waiting for a manual grade are neither scored nor lost
            text = f"{float(r['score']):g}/{float(r['max_score']) - pending:g}"
            if pending:
                text += f" +{pending:g} pending"
        cell[(r["student"], r["assignment"])] = text
    # every column as wide as its widest entry, so that long ids and pending notes align
    first = max([len(s) for s in students] + [len("student")])
    widths = {a: max([len(a)] + [len(cell.get((s, a), "-")) for s in students]) for a in assignments}
    lines = ["student".ljust(first) + " " + " ".join(a.rjust(widths[a]) for a in assignments)]
    for s in students:
        lines.append(s.ljust(first) + " " + " ".join(cell.get((s, a), "-").rjust(widths[a])
                                                     for a in assignments))
    failed = [r for r in rows if str(r["status"]).startswith("failed")]
    if failed:
        lines.append("")
        lines.append("could not be graded:")
        lines += [f"  {r['student']}/{r['assignment']}: {r['status']}" for r in failed]
    pending = sum(float(r["manual_pending"]) for r in rows)
    if pending:
        lines.append("")
        lines.append(f"(+N pending: N points of written answers await manual grading in "
                     f"formgrader, {pending:g} in all; they count neither as scored nor as lost)")
    return "\n".join(lines)


__all__ = ["GRADE_COLUMNS", "GradingError", "Interrupted", "Outcome", "asdict", "export",
           "failure_reason", "grade_all", "gradebook_rows", "load_statuses", "merge",
           "precheck", "read_export", "refuse_leaking_feedback", "save_statuses",
           "status_file", "submissions", "table", "ungraded"]
