"""Grading a module several assignments extend keeps exactly the functions being graded.

The network (course_lib/model.py) is written in 01, 03 and 04. A submission of
03 is graded with the reference of the 01 functions and the stubs of the 04
ones, whatever the student's file holds there, and with the student's own 03
functions, whatever the reference holds.
"""
from __future__ import annotations

import ast
import textwrap

from autograder import build, modules, sample_class, splice
from autograder.manifest import by_name
from autograder.paths import LIB

NORM = by_name("03_batch_normalization")


def functions(text):
    return {q: (a, b) for q, a, b in modules.function_spans(text) if "<locals>" not in q}


def body(text, qualname):
    a, b = functions(text)[qualname]
    return "\n".join(text.split("\n")[a - 1:b])


def source_for(assignment):
    return build.module_text_for(assignment, LIB / "model.py")


def test_own_functions_come_from_the_submission_and_the_rest_from_the_source():
    source = source_for(NORM)
    submitted = sample_class.finished_module("model", NORM)
    # the student's 01 work is broken, their 03 work is their own style
    submitted = submitted.replace("        a, fc_cache = layers.affine_forward(h, p[f\"W{l}\"], "
                                  "p[f\"b{l}\"])\n", "        raise RuntimeError('mine')\n")
    submitted = submitted.replace("        return h + a\n", "        return a + h  # mine\n")
    text, notes = splice.keep_own_functions(source, submitted, NORM.functions_of("model"))
    assert notes == []
    assert "return a + h  # mine" in body(text, "FullyConnectedNet._skip_forward")
    assert "raise RuntimeError('mine')" not in text
    assert body(text, "FullyConnectedNet._hidden_forward") == body(
        source, "FullyConnectedNet._hidden_forward"), "a function of 01 is the source's"
    assert "raise NotImplementedError()" in body(text, "FullyConnectedNet._penalty"), \
        "a function of 04 stays a stub when 03 is graded"
    ast.parse(text)


def test_a_missing_own_function_becomes_the_stub_never_the_reference():
    source = source_for(NORM)
    submitted = "import numpy as np\n"
    text, notes = splice.keep_own_functions(source, submitted, NORM.functions_of("model"))
    assert len(notes) == 4 and all("missing from the submission" in n for n in notes)
    solution = modules.solution_lines(source)
    own = "\n".join(body(text, q) for q in NORM.functions_of("model"))
    assert not any(line in own for line in solution)
    assert own.count("raise NotImplementedError()") == 4


def test_a_submission_that_does_not_parse_is_left_as_it_is():
    text, notes = splice.keep_own_functions(source_for(NORM), "def broken(:\n",
                                            NORM.functions_of("model"))
    assert text == "def broken(:\n" and notes == []


def test_helpers_the_student_added_travel_with_their_functions():
    submitted = sample_class.finished_module("model", NORM) + textwrap.dedent('''

        import math


        def my_helper(x):
            return math.sqrt(x)
        ''')
    text, _ = splice.keep_own_functions(source_for(NORM), submitted, NORM.functions_of("model"))
    assert "def my_helper(x):" in text and "import math" in text
    compile(text, "model.py", "exec")


def test_prepare_submission_rewrites_the_shared_module_in_place(tmp_path):
    source_dir, submission = tmp_path / "source", tmp_path / "submission"
    (source_dir / "course_lib").mkdir(parents=True)
    (submission / "course_lib").mkdir(parents=True)
    (source_dir / "course_lib" / "model.py").write_text(source_for(NORM))
    (submission / "course_lib" / "model.py").write_text(
        modules.stub((LIB / "model.py").read_text()))
    notes = splice.prepare_submission(source_dir, submission, NORM)
    text = (submission / "course_lib" / "model.py").read_text()
    assert notes == []
    assert "layers.affine_forward" in body(text, "FullyConnectedNet._hidden_forward"), \
        "the 01 functions are the reference when 03 is graded"
    assert "raise NotImplementedError()" in body(text, "FullyConnectedNet._skip_forward"), \
        "the student's own 03 stub stays a stub"


def test_assignments_that_teach_nothing_in_the_module_leave_it_to_autograde(tmp_path):
    assert splice.prepare_submission(tmp_path, tmp_path, by_name("05_optimizers")) == []
