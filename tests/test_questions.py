"""Questions graded by hand: predictions before experiments, a design question, rubrics that never ship.

A prediction is a locked question cell followed by a manually graded markdown answer
cell (``predict_<topic>``) that sits right before the experiment cell that settles it;
the answer cell's source in the instructor notebook is the rubric. The README's table of
points graded by hand, and the points graded automatically in its table of what students
implement, must match the notebooks.
"""
from __future__ import annotations

import re
import shutil

import nbformat
import pytest

from autograder import leaks, modules
from autograder.experiments import EXPERIMENT_TAG
from autograder.manifest import ASSIGNMENTS, by_name
from autograder.paths import NOTEBOOKS, REPO
from autograder.sample_class import answer_reflections


WITH_PREDICTIONS = [a.name for a in ASSIGNMENTS]


def _cells(name):
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4).cells


def _grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")


def _is_manual_answer(cell):
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "markdown" and bool(meta.get("solution")) and bool(meta.get("grade"))


def _answers(name, prefix):
    cells = _cells(name)
    return [(i, cell) for i, cell in enumerate(cells)
            if _is_manual_answer(cell) and _grade_id(cell).startswith(prefix)]


@pytest.mark.parametrize("name", WITH_PREDICTIONS)
def test_two_or_three_predictions_each_right_before_its_experiment(name):
    cells = _cells(name)
    answers = _answers(name, "predict_")
    assert 2 <= len(answers) <= 3, f"{name}: {len(answers)} prediction questions"
    for i, answer in answers:
        question, following = cells[i - 1], cells[i + 1]
        gid = _grade_id(answer)
        assert answer.metadata["nbgrader"]["points"] == 1, gid
        assert _grade_id(question) == f"{gid}_question", f"{gid}: its question must precede it"
        assert question.metadata["nbgrader"]["locked"] and not question.metadata["nbgrader"]["solution"]
        assert "graded on its reasoning" in question.source, f"{gid}: say how it is graded"
        assert following.cell_type == "code" and EXPERIMENT_TAG in following.metadata.get("tags", []), (
            f"{gid}: the cell after the answer must be the experiment that settles it")


@pytest.mark.parametrize("name", WITH_PREDICTIONS)
def test_one_design_question_after_every_experiment(name):
    cells = _cells(name)
    designs = _answers(name, "design_")
    assert len(designs) == 1, f"{name}: {len(designs)} design questions"
    i, answer = designs[0]
    assert answer.metadata["nbgrader"]["points"] == 2
    assert _grade_id(cells[i - 1]) == f"{_grade_id(answer)}_question"
    last_experiment = max(j for j, c in enumerate(cells)
                          if EXPERIMENT_TAG in c.metadata.get("tags", []))
    assert i > last_experiment


@pytest.mark.parametrize("name", [a.name for a in ASSIGNMENTS])
def test_every_rubric_line_is_one_the_leak_scan_forbids(name):
    forbidden = leaks.forbidden_lines()
    for _, answer in _answers(name, ""):
        for line in answer.source.splitlines():
            line = line.strip()
            if len(line) >= modules.MIN_EVIDENCE_CHARS:
                assert line in forbidden, (
                    f"{name}, {_grade_id(answer)}: the rubric line {line!r} also appears in open "
                    "text, so the scan cannot tell a leak from it: reword one of the two")


@pytest.mark.parametrize("name", [a.name for a in ASSIGNMENTS])
def test_the_sample_class_answers_every_question_graded_by_hand(name, tmp_path):
    assignment = by_name(name)
    shutil.copy(NOTEBOOKS / assignment.notebook, tmp_path / assignment.notebook)
    answer_reflections(tmp_path, assignment)
    answered = nbformat.read(tmp_path / assignment.notebook, as_version=4).cells
    originals = _cells(name)
    manual = [j for j, cell in enumerate(originals) if _is_manual_answer(cell)]
    assert manual
    for j in manual:
        assert answered[j].source != originals[j].source, _grade_id(originals[j])


def _readme_rows():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### Questions graded by hand"):]
    rows = {}
    for match in re.finditer(r"^\| (0\d) [^|]+\| ([^|]+)\| ([^|]+)\| ([^|]+)\| ([^|]+)\|$",
                             section, flags=re.MULTILINE):
        number, *cells = match.groups()
        rows[number] = [0 if c.strip() == "—" else int(c) for c in cells]
    return rows


@pytest.mark.parametrize("name", [a.name for a in ASSIGNMENTS])
def test_readme_states_the_points_graded_by_hand(name):
    rows = _readme_rows()
    predictions = len(_answers(name, "predict_"))
    reflection = sum(a.metadata["nbgrader"]["points"] for _, a in _answers(name, "reflection_"))
    design = sum(a.metadata["nbgrader"]["points"] for _, a in _answers(name, "design_"))
    total = sum(a.metadata["nbgrader"]["points"] for _, a in _answers(name, ""))
    assert rows[name[:2]] == [predictions, reflection, design, total], (
        f"README's row for {name} says {rows[name[:2]]}; the notebook has "
        f"{[predictions, reflection, design, total]}")


def _readme_automatic_points():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("| notebook | students implement in `course_lib/` |"):]
    section = section[:section.index("\n\n")]
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r"^\| (0\d) .*\| (\d+) \|$", section, flags=re.MULTILINE)}


@pytest.mark.parametrize("name", [a.name for a in ASSIGNMENTS])
def test_readme_states_the_points_graded_automatically(name):
    points = sum(c.metadata["nbgrader"]["points"] for c in _cells(name)
                 if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade"))
    assert _readme_automatic_points().get(name[:2]) == points, (
        f"README's table of what students implement gives {name} "
        f"{_readme_automatic_points().get(name[:2])} points graded automatically; the notebook has "
        f"{points}")
