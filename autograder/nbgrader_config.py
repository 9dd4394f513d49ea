"""The course's nbgrader configuration, applied by ``course/nbgrader_config.py``.

The build writes a two-line ``nbgrader_config.py`` into the course directory
that calls :func:`configure`, so ``nbgrader`` commands typed by an instructor
inside ``course/`` behave exactly like ``tdn``.
"""
from __future__ import annotations

import os
from pathlib import Path

from .manifest import ASSIGNMENTS

COURSE_ID = "training-deep-networks"
CELL_TIMEOUT_SECONDS = 120
# nbgrader gives 0 points to a test cell that wrote anything to stderr; a NumPy
# RuntimeWarning is not a wrong answer, so warnings are dropped before scoring.
WARNING_PATTERN = r"\w*Warning\b"

SHIM = '''\
# Written by the course's build; edit autograder/nbgrader_config.py instead.
try:
    from autograder.nbgrader_config import configure
except ImportError:  # nbgrader run from a virtualenv without the course installed
    import sys
    sys.path.insert(0, {repo!r})
    from autograder.nbgrader_config import configure
configure(get_config(), {root!r})
'''


def run_experiments() -> bool:
    return os.environ.get("COURSE_GRADE_RUN_EXPERIMENTS", "").lower() in ("1", "true", "yes")


def configure(c, course_root: str | Path) -> None:
    root = Path(course_root).resolve()
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute, GetGrades

    from . import capstone
    from .gradebook import url_of
    from .feedback import FeedbackExporter, StudentFeedback  # late: the shim sets sys.path first
    from .experiments import SKIP_TAG, SkipExperiments
    from .hooks import ReleaseHook

    c.CourseDirectory.root = str(root)
    c.CourseDirectory.course_id = COURSE_ID
    # gradebook.db here, or the database the course's gradebook_url file names.
    c.CourseDirectory.db_url = url_of(root)
    # The capstone's hidden test seed sits in its source folder for the grader alone:
    # nbgrader neither releases it nor copies it into the folder the kernel sees.
    c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback",
                                capstone.SECRET_FILE]

    # Students edit exactly these files; autograde restores everything else from
    # the source tree (helpers, reference modules, grader-only modules).
    c.Autograde.exclude_overwriting = {a.name: a.student_files for a in ASSIGNMENTS}
    c.GenerateAssignment.post_convert_hook = ReleaseHook(root)

    c.Execute.timeout = CELL_TIMEOUT_SECONDS
    # A cell past its time limit is interrupted and scored as an error; the rest
    # of the notebook still runs (an endless loop costs that cell, not the rest).
    c.Execute.interrupt_on_timeout = True
    c.Execute.raise_on_iopub_timeout = False
    # Experiments earn no points and are most of a notebook's running time: the
    # cells the source notebook tags `experiment` are not run while grading
    # (see autograder/experiments.py). nbgrader's own steps, one added before Execute.
    # COURSE_GRADE_RUN_EXPERIMENTS=1 runs them (slower; the feedback then has their output).
    steps = list(Autograde.class_traits()["autograde_preprocessors"].make_dynamic_default())
    if not run_experiments():
        steps.insert(steps.index(Execute), SkipExperiments)
    c.Autograde.autograde_preprocessors = steps
    c.SkipExperiments.course_root = str(root)
    c.Execute.skip_cells_with_tag = SKIP_TAG
    c.IgnorePattern.enabled = True
    c.IgnorePattern.pattern = WARNING_PATTERN
    c.OverwriteCells.add_missing_cells = True
    # Feedback shows the visible part of each test, a verdict and a hint; never
    # the hidden tests or their tracebacks.
    c.GenerateFeedback.preprocessors = [GetGrades, StudentFeedback, CSSHTMLHeaderPreprocessor]
    # nbconvert's HTML exporter, with less work per page (see FeedbackExporter).
    c.GenerateFeedback.exporter_class = FeedbackExporter
    c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    # `nbgrader export` writes the course's grades.csv, each submission's status included.
    c.ExportApp.plugin_class = "autograder.nbgrader_export.StatusExport"


def write_shim(course_root: Path, repo: Path) -> Path:
    path = Path(course_root) / "nbgrader_config.py"
    path.write_text(SHIM.format(repo=str(repo), root=str(Path(course_root).resolve())))
    return path
