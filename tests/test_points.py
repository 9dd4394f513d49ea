"""The point scheme (autograder/points.py) is what the notebooks grade, and it follows difficulty."""
from __future__ import annotations

import nbformat
import pytest

import contract_support as cs
from autograder import points
from autograder.manifest import ASSIGNMENTS, function_owner
from autograder.paths import NOTEBOOKS


def _graded_code_cells(assignment):
    nb = nbformat.read(NOTEBOOKS / assignment.notebook, as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"] for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")}


@pytest.mark.parametrize("assignment", ASSIGNMENTS, ids=lambda a: a.name)
def test_every_graded_cell_of_the_notebook_has_the_points_of_its_class(assignment):
    in_notebook = _graded_code_cells(assignment)
    in_scheme = {g: c.points for g, c in points.cells_of(assignment.name).items()}
    assert in_notebook == in_scheme


def test_every_student_function_is_graded_by_exactly_one_cell():
    graded = [f.replace(":", ".", 1) for cell in points.CELLS.values() for f in cell.functions]
    assert len(graded) == len(set(graded)), "a function is listed under two cells"
    assert sorted(graded) == sorted(cs.student_functions())


@pytest.mark.parametrize("grade_id", sorted(points.CELLS))
def test_a_cell_grades_functions_its_assignment_teaches(grade_id):
    cell = points.CELLS[grade_id]
    for function in cell.functions:
        module, qualname = function.split(":")
        owner = function_owner(module, qualname.split(".")[0] if module != "model" else qualname)
        assert owner is not None and owner.name == cell.assignment, function


def test_every_class_is_used_and_points_rise_with_the_classes():
    assert {c.kind for c in points.CELLS.values()} == set(points.CLASSES)
    ranks = [c.points for c in points.CLASSES.values()]
    assert ranks == sorted(ranks)


def _size(grade_id):
    sizes = [points.region_size(f) for f in points.CELLS[grade_id].functions]
    return sum(s[0] for s in sizes), sizes


@pytest.mark.parametrize("grade_id", sorted(g for g, c in points.CELLS.items()
                                            if c.kind == "formula"))
def test_a_formula_cell_holds_only_short_formulas(grade_id):
    _, sizes = _size(grade_id)
    assert all(statements <= 4 and branches <= 2 for statements, branches in sizes), sizes


@pytest.mark.parametrize("grade_id", sorted(g for g, c in points.CELLS.items()
                                            if c.kind not in ("formula", "capstone")))
def test_a_cell_above_the_formulas_holds_at_least_three_statements(grade_id):
    total, _ = _size(grade_id)
    assert total >= 3


@pytest.mark.parametrize("grade_id", sorted(g for g, c in points.CELLS.items()
                                            if c.kind == "long_algorithm"))
def test_a_long_algorithm_has_a_dozen_statements_and_several_branches(grade_id):
    _, sizes = _size(grade_id)
    assert any(statements >= 12 and branches >= 4 for statements, branches in sizes), sizes


def test_the_network_is_the_largest_piece_of_student_code_before_the_capstone():
    network = _size("fc_network")[0]
    others = {g: _size(g)[0] for g, c in points.CELLS.items() if c.kind not in ("network",)}
    assert network >= 20
    assert all(network >= s for g, s in others.items() if g != "network_gradient_check"), others


def test_backward_passes_and_the_network_earn_more_per_statement_than_the_formulas():
    def per_statement(kinds):
        cells = [g for g, c in points.CELLS.items() if c.kind in kinds]
        return sum(points.points(g) for g in cells) / sum(_size(g)[0] for g in cells)

    # a formula group is many lines of one idea: a statement of it is worth the least
    formulas = per_statement({"formula"})
    assert per_statement({"backward"}) > 1.5 * formulas
    assert per_statement({"network", "network_step"}) > 1.5 * formulas


def test_heavier_work_is_worth_more_than_any_formula():
    formula = points.CLASSES["formula"].points
    for kind in ("backward", "network_step", "network", "capstone"):
        assert points.CLASSES[kind].points > 2 * formula


def test_a_group_names_its_functions_and_its_probes():
    assert points.is_group("saturating_activations")
    assert points.probe_tasks("saturating_activations")[:2] == ("sigmoid_forward",
                                                                 "sigmoid_backward")
    assert points.probe_tasks("adam") == ("adam",)
    assert points.cell_of("binary_step_forward") == "relu_activations"


def test_the_capstone_is_worth_the_top_of_its_accuracy_table():
    from course_lib.capstone import MAX_POINTS

    assert points.points("capstone_model") == MAX_POINTS
