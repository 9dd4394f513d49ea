"""The hidden tests are the specification of every student function, not a sample of it.

``tests/hidden_contract.py`` lists, for every function with a solution region in
the modules students write, each behaviour its docstring states. These tests
prove, for every entry, that

* the docstring really says it (the quoted words occur in it);
* the graded cell's hidden tests check it (lines marked ``# contract: <tag>``);
* those lines can fail: the hidden tests pass on the reference, fail on the
  released stub, and fail *on a line marked with the behaviour's tag* when the
  reference is changed to get that one behaviour wrong (the table's mutant).

Every module runs as grading the cell's assignment runs it: in the network's
``model.py``, which several assignments share, the functions of later
assignments are stubs and those of earlier ones the reference.

A new student function without an entry, a docstring that no longer says what
the table quotes, or a tag without a checking line fails here.
"""
from __future__ import annotations

from functools import lru_cache

import pytest

import contract_support as cs
from autograder.manifest import by_name
from hidden_contract import CONTRACTS

BEHAVIOURS = [(name, b) for name, contract in CONTRACTS.items() for b in contract.behaviours]


@lru_cache(maxsize=None)
def _graded_modules(assignment: str):
    """Every student module as grading ``assignment`` runs it, its own functions the reference."""
    return {m: cs.module_from_text(m, cs.graded_text(m, by_name(assignment)))
            for m in cs.STUDENT_MODULES}


def _modules_for(cell):
    return _graded_modules(cs.assignment_of_cell(cell).name)


def _cell(name):
    return cs.graded_cells()[CONTRACTS[name].cell]


def test_every_student_function_has_a_contract_entry():
    functions = set(cs.student_functions())
    missing = sorted(functions - set(CONTRACTS))
    stale = sorted(set(CONTRACTS) - functions)
    assert not missing, f"student functions without an entry in tests/hidden_contract.py: {missing}"
    assert not stale, f"entries of tests/hidden_contract.py that are no student function: {stale}"


@pytest.mark.parametrize("name", sorted(CONTRACTS))
def test_the_contract_cell_is_graded_in_the_notebook_that_teaches_the_module(name):
    cell = cs.graded_cells().get(CONTRACTS[name].cell)
    assert cell is not None, f"{name}: no graded cell {CONTRACTS[name].cell!r}"
    assert cell.notebook == cs.notebook_of(name)
    assert cell.hidden.strip(), f"{name}: graded cell {cell.grade_id!r} has no hidden tests"


@pytest.mark.parametrize("name", sorted(CONTRACTS))
def test_each_behaviour_of_a_function_has_its_own_tag(name):
    tags = [b.tag for b in CONTRACTS[name].behaviours]
    assert tags and len(tags) == len(set(tags)), f"{name}: no behaviour, or a tag listed twice: {tags}"


@pytest.mark.parametrize("name,behaviour", BEHAVIOURS, ids=lambda v: getattr(v, "tag", v))
def test_the_docstring_states_the_behaviour(name, behaviour):
    docs = cs.normalise(cs.student_functions()[name])
    assert cs.normalise(behaviour.says) in docs, (
        f"{name}: the docstrings (function, class, module) no longer say {behaviour.says!r}")


@pytest.mark.parametrize("name,behaviour", BEHAVIOURS, ids=lambda v: getattr(v, "tag", v))
def test_a_hidden_test_line_checks_the_behaviour(name, behaviour):
    checked = _cell(name).checked()
    assert checked.get(behaviour.tag), (
        f"{name}: no hidden-test line under '# contract: {behaviour.tag}' in cell "
        f"{CONTRACTS[name].cell!r}")


def test_every_tag_in_the_hidden_tests_names_a_behaviour_of_its_cell():
    known: dict[str, set[str]] = {}
    for contract in CONTRACTS.values():
        known.setdefault(contract.cell, set()).update(b.tag for b in contract.behaviours)
    unknown = {cell: sorted(set(cs.graded_cells()[cell].checked()) - tags)
               for cell, tags in known.items()}
    assert not {c: t for c, t in unknown.items() if t}, unknown


@pytest.mark.parametrize("grade_id", sorted({c.cell for c in CONTRACTS.values()}))
def test_every_check_in_the_hidden_tests_is_marked_with_a_behaviour(grade_id):
    cell = cs.graded_cells()[grade_id]
    unmarked = [line for line in cs.check_lines(cell) if not cell.tags()[line - 1]]
    lines = cell.hidden.split("\n")
    assert not unmarked, (f"{grade_id}: checks under no '# contract:' tag (a check the docstrings do "
                          f"not back): " + "; ".join(lines[n - 1].strip() for n in unmarked))


@pytest.mark.parametrize("grade_id", sorted({c.cell for c in CONTRACTS.values()}))
def test_hidden_tests_pass_on_the_reference(grade_id):
    cell = cs.graded_cells()[grade_id]
    failures = cs.run_hidden(cell, _modules_for(cell))
    assert failures == [], failures


@pytest.mark.parametrize("grade_id", sorted({c.cell for c in CONTRACTS.values()}))
def test_hidden_tests_fail_on_the_released_stub(grade_id):
    cell = cs.graded_cells()[grade_id]
    module = next(n for n, c in CONTRACTS.items() if c.cell == grade_id).split(".")[0]
    stub = cs.module_from_text(module, cs.graded_text(module, cs.assignment_of_cell(cell), "stub"))
    failures = cs.run_hidden(cell, {**_modules_for(cell), module: stub})
    assert failures, f"the hidden tests of {grade_id} pass on the stub of {module}"


@pytest.mark.parametrize("name,behaviour", BEHAVIOURS, ids=lambda v: getattr(v, "tag", v))
def test_the_hidden_tests_catch_an_implementation_wrong_in_just_this_behaviour(name, behaviour):
    module, cell = name.split(".")[0], _cell(name)
    text = cs.mutated_text(module, behaviour.mutant, cs.assignment_of_cell(cell))
    failures = cs.run_hidden(cell, {**_modules_for(cell), module: cs.module_from_text(module, text)})
    assert failures, f"{name}: the hidden tests pass on the mutant of '{behaviour.tag}'"
    caught = [f for f in failures if behaviour.tag in f.tags and f.error != "NameError"]
    assert caught, (f"{name}: the mutant of '{behaviour.tag}' fails only elsewhere: "
                    + "; ".join(f"line {f.line} {sorted(f.tags)} {f.error}: {f.message[:120]}"
                                for f in failures))
