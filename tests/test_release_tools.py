"""The tools that turn source modules into released ones (nbgrader's clearing code)."""
from __future__ import annotations

import textwrap

import pytest

from autograder import modules
from autograder.hooks import clear_release

SOURCE = textwrap.dedent('''\
    import numpy as np


    def relu_forward(x):
        """ReLU."""
        ### BEGIN SOLUTION
        out = np.maximum(x, 0)
        cache = x
        ### END SOLUTION
        return out, cache


    class Box:
        def step(self, v):
            if v:
                ### BEGIN SOLUTION
                self.best = v * 2
                ### END SOLUTION
            return self
    ''')


def test_stub_replaces_each_region_with_nbgraders_stub_at_its_indentation():
    text = modules.stub(SOURCE)
    assert "    # YOUR CODE HERE\n    raise NotImplementedError()\n    return out, cache" in text
    assert "            # YOUR CODE HERE\n            raise NotImplementedError()" in text
    assert "np.maximum" not in text and "self.best" not in text


def test_stubbed_module_still_compiles_and_raises_not_implemented():
    namespace = {}
    exec(compile(modules.stub(SOURCE), "<stub>", "exec"), namespace)
    with pytest.raises(NotImplementedError):
        namespace["relu_forward"](1.0)


def test_reference_keeps_the_solution_and_drops_the_markers():
    text = modules.reference(SOURCE)
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    namespace = {}
    exec(compile(text, "<ref>", "exec"), namespace)
    out, cache = namespace["relu_forward"](__import__("numpy").array([-1.0, 2.0]))
    assert out.tolist() == [0.0, 2.0]


def test_unbalanced_region_is_an_error_not_a_silent_leak():
    with pytest.raises(RuntimeError):
        modules.stub("def f():\n    ### BEGIN SOLUTION\n    return 1\n")


def test_solution_lines_are_the_lines_only_found_inside_regions():
    lines = modules.solution_lines(SOURCE)
    assert lines == {"out = np.maximum(x, 0)", "self.best = v * 2"}  # "cache = x" is too short


def test_a_line_written_outside_a_region_elsewhere_is_not_a_solution_line():
    assert "out = np.maximum(x, 0)" not in modules.solution_lines(
        SOURCE, "def given(x):\n    out = np.maximum(x, 0)\n")


def test_hidden_test_lines_are_collected():
    cell = ("x = make_input(5)\ncheck(f)\n### BEGIN HIDDEN TESTS\nx = make_input(5)\n"
            "assert f(2) == 4\n### END HIDDEN TESTS\n")
    # the repeated visible line is not a hidden test line
    assert modules.hidden_test_lines(cell) == {"assert f(2) == 4"}


def test_clear_release_strips_modules_and_removes_grader_only_files(tmp_path):
    lib = tmp_path / "course_lib"
    lib.mkdir()
    (lib / "activations.py").write_text(SOURCE)
    (lib / "_hidden.py").write_text("SECRET = 1\n")
    (lib / "data.py").write_text("X = 1\n")
    clear_release(tmp_path)
    assert not (lib / "_hidden.py").exists()
    assert (lib / "data.py").read_text() == "X = 1\n"
    assert modules.scan_for_leaks(tmp_path) == []
    assert "raise NotImplementedError()" in (lib / "activations.py").read_text()


def test_scan_reports_markers_and_solution_lines(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n# BEGIN HIDDEN TESTS\n")
    (tmp_path / "b.py").write_text("    out = np.maximum(x, 0)\n")
    problems = modules.scan_for_leaks(tmp_path, {"out = np.maximum(x, 0)"})
    assert any("a.py" in p and "BEGIN HIDDEN TESTS" in p for p in problems)
    assert any("b.py" in p and "solution line" in p for p in problems)
