"""The grader's shape: one way in for student code, no import cycle, verdicts in the result,
notebook slips repaired, and every part of an assignment findable from its name."""
from __future__ import annotations

import ast
import copy
import dataclasses
import json
from pathlib import Path

import nbformat
import pytest

from autograder import parts, repair, sandbox, verify
from autograder.manifest import ASSIGNMENTS
from autograder.paths import NOTEBOOKS, REPO
from autograder.sandbox import Limits, SandboxUnavailable

PACKAGE = REPO / "autograder"


def _imports(module: str) -> set[str]:
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found |= {node.module} if node.module else {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("autograder"):
            found.add(node.module.split(".", 1)[1] if "." in node.module else node.module)
    return found


def _reachable(module: str) -> set[str]:
    seen, todo = set(), [module]
    while todo:
        name = todo.pop()
        for imported in _imports(name):
            if imported not in seen and (PACKAGE / f"{imported}.py").exists():
                seen.add(imported)
                todo.append(imported)
    return seen


def test_what_a_worker_runs_never_imports_the_coordinator():
    assert not {"coordinator", "grade", "cli"} & _reachable("worker")


def test_no_module_of_the_grader_imports_itself_back():
    for path in PACKAGE.glob("*.py"):
        assert path.stem not in _reachable(path.stem), path.stem


# ------------------------------------------------------------------ one sandbox
def _missing_bwrap(monkeypatch):
    monkeypatch.setenv("COURSE_GRADE_BWRAP", "/nonexistent/bwrap")
    sandbox._works.clear()


def test_kernel_and_recheck_start_through_the_same_confinement(tmp_path):
    limits = Limits(wall_seconds=33, memory_bytes=10**9)
    kernel = sandbox.kernel_argv(tmp_path / "nb", tmp_path / "run", limits)
    probe = verify._command(tmp_path / "nb", tmp_path / "run", tmp_path / "out", 1, ["t"],
                            limits)
    cut = kernel.index("timeout")
    assert probe.index("timeout") == cut
    assert [a for a in kernel[:cut + 4]] == [a for a in probe[:cut + 4]]


def test_confinement_refuses_instead_of_running_unisolated(monkeypatch, tmp_path):
    _missing_bwrap(monkeypatch)
    with pytest.raises(SandboxUnavailable, match="apt-get install bubblewrap"):
        sandbox.kernel_argv(tmp_path, tmp_path, Limits())
    with pytest.raises(SandboxUnavailable, match="--no-sandbox"):
        verify._command(tmp_path, tmp_path, tmp_path, 1, ["t"], Limits())


def test_unisolated_only_when_asked_for(monkeypatch, tmp_path):
    _missing_bwrap(monkeypatch)
    argv = sandbox.kernel_argv(tmp_path, tmp_path, Limits(sandbox=False))
    assert "bwrap" not in " ".join(argv) and argv[0] in ("prlimit", "timeout")


def test_the_environment_cannot_turn_the_sandbox_off(monkeypatch):
    monkeypatch.setenv("COURSE_GRADE_SANDBOX", "0")
    assert Limits.from_env().sandbox is True


@pytest.mark.skipif(not sandbox.sandbox_available(), reason="bubblewrap is not installed")
def test_a_working_bubblewrap_is_recognised():
    sandbox._works.clear()
    assert sandbox.sandbox_problem() is None


# ------------------------------------------------------------------ verdicts in the result
def test_feedback_takes_withdrawn_points_from_its_configuration_not_a_file():
    from traitlets.config import Config

    from autograder.feedback import StudentFeedback

    source = (PACKAGE / "feedback.py").read_text() + (PACKAGE / "worker.py").read_text()
    assert "verification/" not in source and "withdrawn_file" not in source
    assert "withdrawn" in {f.name for f in dataclasses.fields(
        __import__("autograder.jobs", fromlist=["Result"]).Result)}
    config = Config()
    config.StudentFeedback.withdrawn = {"relu_activations": "relu_forward: out differs"}
    config.StudentFeedback.repairs = ["test cell relu_activations was missing; it was put back"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "check(relu_forward)", metadata={"nbgrader": {"grade": True, "grade_id": "relu_activations",
                                                      "points": 1, "score": 1}})])
    out, _ = StudentFeedback(config=config).preprocess(nb, {})
    assert out.cells[0].cell_type == "markdown" and "was missing" in out.cells[0].source
    verdict = out.cells[1].outputs[-1]["data"]["text/plain"]
    assert "relu_activations: failed" in verdict and "relu_forward: out differs" in verdict


# ------------------------------------------------------------------ notebook slips
SOURCE = NOTEBOOKS / "00_gradient_checking.ipynb"


@pytest.fixture
def source():
    return json.loads(SOURCE.read_text())


def _graded_ids(nb):
    return [c["metadata"]["nbgrader"]["grade_id"] for c in nb["cells"]
            if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")]


def _tests(nb):
    return [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade")
            and not c["metadata"]["nbgrader"].get("solution")]


def test_a_deleted_test_cell_is_put_back_in_its_place(source):
    submitted = copy.deepcopy(source)
    submitted["cells"].remove(_tests(submitted)[2])
    sentences = repair.line_up(submitted, source)
    assert _graded_ids(submitted) == _graded_ids(source)
    assert sentences == [f"test cell {_tests(source)[2]['metadata']['nbgrader']['grade_id']} "
                         "was missing; it was put back from the assignment and graded"]


def test_a_duplicated_cell_runs_once_as_a_graded_cell(source):
    submitted = copy.deepcopy(source)
    twin = copy.deepcopy(_tests(submitted)[0])
    submitted["cells"].insert(submitted["cells"].index(_tests(submitted)[0]) + 1, twin)
    sentences = repair.line_up(submitted, source)
    assert _graded_ids(submitted) == _graded_ids(source)
    assert len({c["id"] for c in submitted["cells"]}) == len(submitted["cells"])
    assert "appeared twice" in sentences[0]


def test_an_edited_id_runs_as_ordinary_code_and_the_cell_is_restored(source):
    submitted = copy.deepcopy(source)
    _tests(submitted)[1]["metadata"]["nbgrader"]["grade_id"] = "mine"
    sentences = repair.line_up(submitted, source)
    assert _graded_ids(submitted) == _graded_ids(source)
    assert "'mine'" in sentences[0] and "put back" in sentences[1]


def test_a_missing_answer_cell_comes_back_empty_never_with_the_model_answer(source):
    submitted = copy.deepcopy(source)
    answer = next(c for c in submitted["cells"]
                  if c["metadata"].get("nbgrader", {}).get("solution"))
    submitted["cells"].remove(answer)
    sentences = repair.line_up(submitted, source)
    back = next(c for c in submitted["cells"]
                if c["metadata"].get("nbgrader", {}).get("grade_id")
                == answer["metadata"]["nbgrader"]["grade_id"])
    assert back["source"] == repair.ANSWER_STUB
    assert "answer cell" in sentences[0] and "earns no points" in sentences[0]
    nbformat.validate(nbformat.from_dict(submitted))


def test_an_intact_notebook_is_left_alone(source):
    submitted = copy.deepcopy(source)
    assert repair.line_up(submitted, source) == []
    assert submitted == source


def test_a_lone_notebook_under_another_name_is_graded_under_its_own(tmp_path):
    (tmp_path / "00_gradient_checking (1).ipynb").write_text("{}")
    assert "submitted as '00_gradient_checking (1).ipynb'" in repair.restore_name(
        tmp_path, "00_gradient_checking.ipynb")
    assert (tmp_path / "00_gradient_checking.ipynb").exists()


def test_two_other_notebooks_are_not_guessed_between(tmp_path):
    (tmp_path / "a.ipynb").write_text("{}")
    (tmp_path / "b.ipynb").write_text("{}")
    assert repair.restore_name(tmp_path, "00_gradient_checking.ipynb") is None


# ------------------------------------------------------------------ one place per assignment
@pytest.mark.parametrize("name", [a.name for a in ASSIGNMENTS])
def test_every_part_of_each_assignment_is_where_parts_says(name):
    assert parts.missing(name) == []


def test_parts_names_what_a_new_assignment_still_lacks(monkeypatch):
    from autograder import manifest

    new = manifest.Assignment("08_capstone_example", ("nonexistent_module",))
    monkeypatch.setattr(manifest, "ASSIGNMENTS", manifest.ASSIGNMENTS + (new,))
    gaps = parts.missing("08_capstone_example")
    assert any("no notebook" in g for g in gaps)
    assert any("no module" in g for g in gaps)
    assert any("no visible checks" in g for g in gaps)
    assert any("no sample bug" in g for g in gaps)
