"""A student's own library travels from one assignment to the next; no release carries an answer.

Students work in sibling folders, one per assignment (what nbgrader's fetch and
``make lab`` create). Every release ships earlier modules as stubs;
``course_lib.carry.carry_forward`` (the first code cell of every notebook)
copies the student's own finished modules from the assignment that teaches
them, never over a file the student changed, and a cell that needs an
unfinished earlier function stops with one sentence naming it.
"""
from __future__ import annotations

import importlib.util
import shutil

import numpy as np
import pytest

from autograder import build, modules, sample_class
from autograder.manifest import ASSIGNMENTS, by_name
from autograder.paths import LIB, Course
from course_lib import carry as carry_module

FIRST_SIX = [a.name for a in ASSIGNMENTS[:6]]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = Course(tmp_path_factory.mktemp("course"))
    build.build(course, FIRST_SIX, echo=lambda *a: None)
    return course


def fetch(course, home, names):
    """What nbgrader's fetch leaves: each released assignment in its own folder side by side."""
    for name in names:
        shutil.copytree(course.release / name, home / name)


def complete(home, name, skip=()):
    """The student finishes every module of assignment ``name`` (the reference), except ``skip``.

    A module several assignments extend (the network) holds every function taught so far.
    """
    assignment = by_name(name)
    for module in assignment.modules + assignment.shared_modules:
        if module not in skip:
            (home / name / "course_lib" / f"{module}.py").write_text(
                sample_class.finished_module(module, assignment))


def carry(home, name):
    """Run the carry-forward of ``home/name`` as the notebook's first cell does."""
    lines = []
    report = carry_module.carry_forward(home / name / "course_lib", echo=lines.append)
    return report, lines


def test_every_release_ships_earlier_modules_as_their_own_stubs(course):
    for later in FIRST_SIX[1:]:
        for earlier in FIRST_SIX[:FIRST_SIX.index(later)]:
            for module in by_name(earlier).modules:
                shipped = (course.release / later / "course_lib" / f"{module}.py").read_text()
                own = (course.release / earlier / "course_lib" / f"{module}.py").read_text()
                assert shipped == own, (later, module)
                assert "raise NotImplementedError()" in shipped


def test_grading_still_restores_the_reference_of_earlier_modules(course):
    source = (course.source / "05_optimizers" / "course_lib" / "normalization.py").read_text()
    assert modules.reference(source) == sample_class.reference_module("normalization")


def test_finished_modules_are_carried_from_the_assignment_that_teaches_them(course, tmp_path):
    fetch(course, tmp_path, FIRST_SIX)
    for name in FIRST_SIX[:5]:
        complete(tmp_path, name)
    report, lines = carry(tmp_path, "05_optimizers")
    assert sorted(report.carried) == sorted(
        [(m, a.name) for a in ASSIGNMENTS[:5] for m in a.modules] + [("model", "04_regularization")])
    lib = tmp_path / "05_optimizers" / "course_lib"
    assert (lib / "normalization.py").read_text() == sample_class.reference_module("normalization")
    assert lines[:2] == [
        "Carried your gradcheck.py, layers.py, losses.py from ../00_gradient_checking/course_lib/ "
        "into this folder.",
        "Carried your activations.py from ../01_activations/course_lib/ into this folder."]
    assert ("Carried your normalization.py, preprocessing.py from ../03_batch_normalization/"
            "course_lib/ into this folder.") in lines
    assert report.unfinished == {}, "only 05's own work is left, and it is not listed"


def test_a_module_changed_in_the_new_folder_is_never_overwritten(course, tmp_path):
    fetch(course, tmp_path, ["00_gradient_checking", "01_activations"])
    complete(tmp_path, "00_gradient_checking")
    mine = tmp_path / "01_activations" / "course_lib" / "layers.py"
    mine.write_text(mine.read_text() + "\n# my own edit\n")
    report, lines = carry(tmp_path, "01_activations")
    assert mine.read_text().endswith("# my own edit\n")
    assert ("layers", "00_gradient_checking") in report.kept
    assert any("Kept your own course_lib/layers.py" in line for line in lines)
    assert ("losses", "00_gradient_checking") in report.carried


def test_carrying_twice_changes_nothing_more(course, tmp_path):
    fetch(course, tmp_path, ["00_gradient_checking", "01_activations"])
    complete(tmp_path, "00_gradient_checking")
    carry(tmp_path, "01_activations")
    report, lines = carry(tmp_path, "01_activations")
    assert report.carried == [] and report.kept == []
    assert lines == ["course_lib is ready for 01_activations: every module of an earlier "
                     "assignment is here."]


def test_unfinished_and_missing_earlier_work_is_named(course, tmp_path):
    fetch(course, tmp_path, ["02_initialization", "03_batch_normalization"])
    complete(tmp_path, "02_initialization")
    stub = tmp_path / "02_initialization" / "course_lib" / "init.py"
    text = sample_class.reference_module("init")
    # he_uniform left as the stub, the rest finished
    released = (course.release / "02_initialization" / "course_lib" / "init.py").read_text()
    start = released.index("def he_uniform")
    end = released.index("\ndef ", start + 1)
    ref_start = text.index("def he_uniform")
    ref_end = text.index("\ndef ", ref_start + 1)
    stub.write_text(text[:ref_start] + released[start:end] + text[ref_end:])
    report, lines = carry(tmp_path, "03_batch_normalization")
    assert ("init", "02_initialization") in report.carried
    assert report.unfinished["02_initialization"] == [("init", "he_uniform")]
    assert "Not finished yet from 02_initialization: he_uniform (course_lib/init.py)." in lines
    assert ("layers", "00_gradient_checking") in report.missing
    assert any(line.startswith("No ../00_gradient_checking/course_lib/layers.py") for line in lines)


def test_a_stub_of_an_earlier_assignment_is_named_in_one_sentence(course, tmp_path):
    fetch(course, tmp_path, ["05_optimizers"])
    lib = tmp_path / "05_optimizers" / "course_lib"
    spec = importlib.util.spec_from_file_location("student_normalization", lib / "normalization.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with pytest.raises(NotImplementedError) as info:
        module.batchnorm_forward(np.ones((2, 3)), np.ones(3), np.zeros(3), {"mode": "train"})
    manifest = carry_module.read_manifest(lib)
    message = carry_module.blocked_message(info.tb, lib, manifest)
    assert message.startswith("This cell needs batchnorm_forward from 03_batch_normalization "
                              "(course_lib/normalization.py)")
    assert ". " not in message and message.endswith("."), "one sentence"


def test_the_instructors_library_has_no_manifest_and_carries_nothing():
    lines = []
    report = carry_module.carry_forward(LIB, echo=lines.append)
    assert report.assignment is None and lines == []


# ------------------------------------------------------------------ whole notebooks


def run_notebook(folder, name):
    """Execute ``folder/name.ipynb`` top to bottom as a student would; the executed notebook."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    from autograder.paths import nbgrader_env

    nb = nbformat.read(folder / f"{name}.ipynb", as_version=4)
    client = NotebookClient(nb, kernel_name="python3", timeout=600,
                            resources={"metadata": {"path": str(folder)}})
    env = nbgrader_env()
    error = None
    try:
        with pytest.MonkeyPatch.context() as mp:
            for key, value in env.items():
                mp.setenv(key, value)
            mp.delenv("PYTHONPATH", raising=False)
            client.execute()
    except CellExecutionError as exc:
        error = exc
    return nb, error


def graded_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"
            and c.metadata.get("nbgrader", {}).get("grade")]


@pytest.mark.slow
def test_a_student_who_finished_00_to_04_runs_05_top_to_bottom_on_their_own_library(
        course, tmp_path):
    fetch(course, tmp_path, FIRST_SIX)
    for name in FIRST_SIX:
        complete(tmp_path, name)
    nb, error = run_notebook(tmp_path / "05_optimizers", "05_optimizers")
    assert error is None, str(error)[-2000:]
    first = next(c for c in nb.cells if c.cell_type == "code")
    printed = "".join(o.get("text", "") for o in first.outputs)
    assert "Carried your gradcheck.py, layers.py, losses.py from ../00_gradient_checking/" in printed


@pytest.mark.slow
def test_a_student_who_left_03_unfinished_gets_one_sentence_and_05_still_passes(
        course, tmp_path):
    fetch(course, tmp_path, FIRST_SIX)
    for name in FIRST_SIX:
        complete(tmp_path, name, skip=("normalization",))
    nb, error = run_notebook(tmp_path / "05_optimizers", "05_optimizers")
    assert error is not None, "the batch-norm experiment ran without the student's batch norm"
    assert all(not any(o.output_type == "error" for o in c.outputs) and c.execution_count
               for c in graded_cells(nb)), "a graded check of 05 depended on 03"
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert len(errors) == 1
    assert errors[0].ename == "NotImplementedError"
    assert errors[0].traceback == [
        "\x1b[0;31mNotImplementedError\x1b[0m: This cell needs batchnorm_forward from "
        "03_batch_normalization (course_lib/normalization.py), which is not finished in this "
        "folder: complete it in ../03_batch_normalization/ and run this notebook's first code "
        "cell again to carry it here."]
