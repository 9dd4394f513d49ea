"""Experiments are for students, not for the grader.

Most of a notebook's running time is its experiments: training runs, sweeps
and plots that bring a function to life once it works. They earn no points,
and the student has already seen their output, so the grader does not run
them. The instructor marks such a cell with the tag ``experiment`` in the source
notebook (``tdn build`` checks that no graded cell carries it).

During autograding, :class:`SkipExperiments` runs just before nbgrader's
``Execute`` and marks a submitted cell as not to be run **only if its source is
identical to an experiment cell of the instructor's source notebook**. The
decision is made from the instructor's copy, never from the submission's
metadata: a student who tags a test cell, or edits an experiment cell, gains
nothing (an edited experiment simply runs). ``Execute`` is configured to skip
the grader's private tag only, so nbclient's ``skip-execution`` tag, which a
student could add to a test cell, has no effect either.
"""
from __future__ import annotations

import json
from pathlib import Path

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

EXPERIMENT_TAG = "experiment"   # set by the instructor in the source notebooks
SKIP_TAG = "autograder-not-run"  # set by the grader only; Execute skips it


def _source(cell) -> str:
    src = cell.get("source", "")
    return ("".join(src) if isinstance(src, list) else src).strip()


def _is_graded(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade") or meta.get("solution") or meta.get("task"))


def is_experiment(cell) -> bool:
    return (cell.get("cell_type") == "code"
            and EXPERIMENT_TAG in cell.get("metadata", {}).get("tags", []))


def experiment_sources(notebook: Path) -> set[str]:
    """Sources of the cells tagged ``experiment`` in an instructor's notebook."""
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    return {_source(c) for c in nb["cells"] if is_experiment(c) and not _is_graded(c)}


def misplaced_tags(notebook: Path) -> list[str]:
    """Graded or solution cells tagged ``experiment`` (a build error)."""
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    return [c.get("metadata", {}).get("nbgrader", {}).get("grade_id", "?")
            for c in nb["cells"] if is_experiment(c) and _is_graded(c)]


def mark(cells, experiments: set[str]) -> int:
    """Tag the cells to skip; remove the grader's tag from every other cell.

    Returns how many cells will not run.
    """
    skipped = 0
    for cell in cells:
        meta = cell.setdefault("metadata", {})
        tags = [t for t in meta.get("tags", []) if t != SKIP_TAG]
        if (cell.get("cell_type") == "code" and not _is_graded(cell)
                and _source(cell) and _source(cell) in experiments):
            tags.append(SKIP_TAG)
            skipped += 1
        if tags or "tags" in meta:
            meta["tags"] = tags
    return skipped


class SkipExperiments(NbGraderPreprocessor):
    """Autograde preprocessor: experiment cells of the source notebook are not run."""

    course_root = Unicode("", help="Course directory holding source/<assignment>/").tag(
        config=True)

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {})
        source = (Path(self.course_root) / "source" / info.get("assignment", "")
                  / f"{info.get('notebook', '')}.ipynb")
        experiments = experiment_sources(source) if source.is_file() else set()
        skipped = mark(nb.cells, experiments)
        self.log.info("%s: %d experiment cells will not run", source.name, skipped)
        return nb, resources
