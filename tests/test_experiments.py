"""Experiment cells are skipped while grading, and only they are."""
from __future__ import annotations

import json

import nbformat
import pytest

from autograder.experiments import (EXPERIMENT_TAG, SKIP_TAG, experiment_sources, mark,
                                    misplaced_tags)
from autograder.manifest import ASSIGNMENTS
from autograder.paths import NOTEBOOKS


def _code(source, tags=None, grade_id=None):
    cell = nbformat.v4.new_code_cell(source)
    if tags is not None:
        cell.metadata["tags"] = list(tags)
    if grade_id:
        cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True,
                                     "grade_id": grade_id, "points": 1}
    return cell


def _write(tmp_path, cells):
    nb = nbformat.v4.new_notebook(cells=cells)
    path = tmp_path / "source.ipynb"
    nbformat.write(nb, path)
    return path


def test_only_cells_identical_to_a_tagged_source_cell_are_skipped(tmp_path):
    source = _write(tmp_path, [
        _code("import numpy as np"),
        _code("check(f)", grade_id="f"),
        _code("train()\nplot()", tags=[EXPERIMENT_TAG]),
        _code("sweep()", tags=[EXPERIMENT_TAG]),
    ])
    experiments = experiment_sources(source)
    assert experiments == {"train()\nplot()", "sweep()"}
    submitted = [
        _code("import numpy as np"),
        _code("check(f)", grade_id="f"),
        _code("train()\nplot()\n"),              # unchanged but for whitespace: skipped
        _code("sweep(seed=1)", tags=[EXPERIMENT_TAG]),  # edited: runs, whatever its tags
    ]
    assert mark(submitted, experiments) == 1
    assert [SKIP_TAG in c.metadata.get("tags", []) for c in submitted] == [
        False, False, True, False]


def test_tags_a_student_adds_do_not_skip_a_cell(tmp_path):
    experiments = {"sweep()"}
    test = _code("check(f)", tags=[SKIP_TAG, "skip-execution", EXPERIMENT_TAG], grade_id="f")
    other = _code("print(1)", tags=[SKIP_TAG])
    # Even a graded cell whose source equals an experiment runs.
    disguised = _code("sweep()", grade_id="g")
    assert mark([test, other, disguised], experiments) == 0
    for cell in (test, other, disguised):
        assert SKIP_TAG not in cell.metadata.get("tags", [])
    # nbclient's own tag stays in the metadata but no longer means anything:
    # the course configures Execute to skip the grader's private tag only.
    from traitlets.config import Config

    from autograder.nbgrader_config import configure

    config = Config()
    configure(config, tmp_path)
    assert config.Execute.skip_cells_with_tag == SKIP_TAG
    steps = config.Autograde.autograde_preprocessors
    assert [s.__name__ for s in steps[:2]] == ["SkipExperiments", "Execute"]


def test_a_graded_cell_tagged_experiment_is_a_build_error(tmp_path):
    source = _write(tmp_path, [_code("check(f)", tags=[EXPERIMENT_TAG], grade_id="f"),
                               _code("train()", tags=[EXPERIMENT_TAG])])
    assert misplaced_tags(source) == ["f"]
    assert experiment_sources(source) == {"train()"}


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=lambda a: a.name)
def test_every_experiment_after_the_first_test_is_tagged(assignment):
    """Keeps grading fast: an untagged experiment would run for every student."""
    nb = json.loads((NOTEBOOKS / assignment.notebook).read_text())
    assert misplaced_tags(NOTEBOOKS / assignment.notebook) == []
    cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    graded = [i for i, c in enumerate(cells) if c["metadata"].get("nbgrader", {}).get("grade")]
    # Answer cells (nbgrader "solution" cells, e.g. 07's capstone configuration) hold the
    # student's answer: they run while grading, and the build forbids tagging them.
    untagged = [c["id"] for c in cells[graded[0]:]
                if not c["metadata"].get("nbgrader", {}).get("grade")
                and not c["metadata"].get("nbgrader", {}).get("solution")
                and EXPERIMENT_TAG not in c["metadata"].get("tags", [])]
    assert untagged == [], f"{assignment.notebook}: untagged experiment cells {untagged}"
    assert experiment_sources(NOTEBOOKS / assignment.notebook)


def test_an_instructor_can_ask_for_experiments_to_run(tmp_path, monkeypatch):
    from traitlets.config import Config

    from autograder.experiments import SkipExperiments
    from autograder.nbgrader_config import configure

    monkeypatch.setenv("COURSE_GRADE_RUN_EXPERIMENTS", "1")
    config = Config()
    configure(config, tmp_path)
    assert SkipExperiments not in config.Autograde.autograde_preprocessors
    # Still only the grader's tag is honoured: a student's skip-execution tag is not.
    assert config.Execute.skip_cells_with_tag == SKIP_TAG
