"""``nbgrader export`` with the course's columns: the status of each submission included.

The course's ``nbgrader_config.py`` makes this the default exporter, so
``nbgrader export`` typed in the course directory writes the same
``grades.csv`` as ``grade`` (``--to`` to choose the file; ``--student`` and
``--assignment`` to keep some rows).
"""
from __future__ import annotations

from pathlib import Path

from nbgrader.plugins import ExportPlugin

from .coordinator import gradebook_rows, write_rows
from .paths import Course


class StatusExport(ExportPlugin):
    """nbgrader's export plugin interface over :func:`autograder.coordinator.gradebook_rows`."""

    def export(self, gradebook) -> None:
        root = Path(self.parent.coursedir.root).resolve()
        course = Course(root)
        rows = gradebook_rows(course)
        if self.student:
            rows = [r for r in rows if r["student"] in {str(s) for s in self.student}]
        if self.assignment:
            rows = [r for r in rows if r["assignment"] in {str(a) for a in self.assignment}]
        target = Path(self.to) if self.to else course.exports / "grades.csv"
        if not target.is_absolute():
            target = Path.cwd() / target
        write_rows(rows, target)
        self.log.info("Exported %d rows (with each submission's status) to %s", len(rows),
                      target)
