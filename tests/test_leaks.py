"""The build and the grader refuse to hand out what students must not see."""
from __future__ import annotations

import pytest

from autograder import build, grade, leaks, modules, sample_class
from autograder.grade import Outcome
from autograder.manifest import GRADER_ONLY
from autograder.paths import LIB, Course


def test_forbidden_lines_cover_every_kind_of_secret():
    forbidden = leaks.forbidden_lines()
    adam = "m_hat = m / (1 - beta1**t)"
    assert forbidden.get(adam) == "a solution line of course_lib/optim.py"
    hidden = (LIB / f"{GRADER_ONLY[0]}.py").read_text()
    assert any(line.strip() in forbidden for line in hidden.splitlines()
               if "def numeric_gradient" in line)
    assert any(what.startswith("a hidden test line") for what in forbidden.values())
    assert "import numpy as np" not in forbidden, "open code is not evidence of a leak"
    assert all(len(line) >= modules.MIN_EVIDENCE_CHARS for line in forbidden)


def test_an_opted_in_reference_is_open_text_and_nothing_else_is():
    shipped = leaks.forbidden_lines(["05_optimizers"])
    assert "m_hat = m / (1 - beta1**t)" not in shipped
    assert "m_hat = m / (1 - beta1**t)" in leaks.forbidden_lines(["04_regularization"])


def test_a_deliberately_leaking_build_is_refused_naming_file_and_line(tmp_path, monkeypatch):
    # The build ships the reference of assignment 00 without being asked to.
    real = build.module_text_for
    monkeypatch.setattr(build, "module_text_for",
                        lambda assignment, path, opted=(): real(
                            assignment, path, ("00_gradient_checking",)))
    course = Course(tmp_path / "course")
    with pytest.raises(leaks.LeakFound) as info:
        build.build(course, ["01_activations"], echo=lambda *a: None)
    message = str(info.value)
    assert "the release of 01_activations would hand out" in message
    assert "/release/01_activations/course_lib/layers.py:" in message
    assert "holds a solution line of course_lib/layers.py" in message
    assert not (course.release / "01_activations").exists(), "the leaking release was kept"


def test_the_cli_refuses_a_leaking_build_in_one_message(tmp_path, monkeypatch, capsys):
    from autograder import cli

    real = build.module_text_for
    monkeypatch.setattr(build, "module_text_for",
                        lambda assignment, path, opted=(): real(
                            assignment, path, ("00_gradient_checking",)))
    status = cli.main(["--course-dir", str(tmp_path / "c"), "build", "01_activations"])
    err = capsys.readouterr().err
    assert status == 1
    assert err.startswith("build refused: the release of 01_activations would hand out")


def test_opting_in_ships_the_reference_of_past_assignments_only_in_later_releases(tmp_path):
    course = Course(tmp_path / "course")
    build.build(course, ["00_gradient_checking", "01_activations"], echo=lambda *a: None,
                with_solutions_of=("00_gradient_checking",))
    reference = sample_class.reference_module("layers")
    assert (course.release / "01_activations" / "course_lib" / "layers.py").read_text() \
        == reference
    own = (course.release / "00_gradient_checking" / "course_lib" / "layers.py").read_text()
    assert "raise NotImplementedError()" in own and own != reference
    stub = (course.release / "01_activations" / "course_lib" / "activations.py").read_text()
    assert "raise NotImplementedError()" in stub


def test_an_unknown_assignment_is_refused_before_anything_is_built(tmp_path):
    with pytest.raises(build.BuildError, match="unknown assignment 99_nope"):
        build.build(Course(tmp_path / "c"), ["99_nope"], echo=lambda *a: None)
    with pytest.raises(build.BuildError, match="unknown assignment 99_nope"):
        build.build(Course(tmp_path / "c"), with_solutions_of=("99_nope",), echo=lambda *a: None)
    assert not (tmp_path / "c").exists()


def test_feedback_holding_a_grader_only_file_is_refused_and_removed(tmp_path):
    course = Course(tmp_path / "course")
    leaking = course.feedback / "ann" / "00_gradient_checking"
    clean = course.feedback / "bob" / "00_gradient_checking"
    for folder in (leaking, clean):
        folder.mkdir(parents=True)
        (folder / "00_gradient_checking.html").write_text("<p>Test affine_forward: passed</p>")
    (leaking / "course_lib").mkdir()
    (leaking / "course_lib" / "_hidden.py").write_text((LIB / "_hidden.py").read_text())
    outcomes = [Outcome("ann", "00_gradient_checking", "graded"),
                Outcome("bob", "00_gradient_checking", "graded")]
    with pytest.raises(leaks.LeakFound, match=r"_hidden\.py:\d+: holds a line of the grader-only"):
        grade.refuse_leaking_feedback(course, outcomes)
    assert not leaking.exists() and clean.exists()


def test_feedback_pages_are_scanned_as_the_text_a_reader_sees(tmp_path):
    page = tmp_path / "fb.html"
    page.write_text('<pre><span class="n">m_hat</span> <span class="o">=</span> m / '
                    '(1 - beta1**t)</pre>')
    problems = leaks.scan(tmp_path, {"m_hat = m / (1 - beta1**t)": "a solution line"})
    assert problems == [f"{page}:1: holds a solution line: 'm_hat = m / (1 - beta1**t)'"]


def test_the_visible_checks_hold_no_line_of_a_solution_region():
    """The scan counts every given module as open text, the checks too: a solution line
    copied into a check would make itself open. So the checks are compared here with
    the solution regions of the modules and notebooks alone."""
    import nbformat

    from autograder.paths import NOTEBOOKS

    checks = sorted((LIB / "checks").glob("*.py"))
    assert checks
    texts = [path.read_text(encoding="utf-8") for path in LIB.glob("*.py")
             if modules.module_name(path) not in GRADER_ONLY]
    texts += [cell.source for nb_path in sorted(NOTEBOOKS.glob("*.ipynb"))
              for cell in nbformat.read(nb_path, as_version=4).cells if cell.cell_type == "code"]
    secret = modules.solution_lines(*texts)
    assert "m_hat = m / (1 - beta1**t)" in secret
    found = [f"{path.name}: {line!r}" for path in checks
             for line in {x.strip() for x in path.read_text(encoding="utf-8").splitlines()}
             if line in secret]
    assert found == []
