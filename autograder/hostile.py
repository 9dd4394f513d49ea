"""Hostile and broken submissions of assignment 00 (and of 07's capstone), one student each.

Each case starts from a submission of the sample class, changes it the way a
careless or dishonest student might, and states what an honest grader must
conclude: ``failed`` with a reason, or ``graded`` with at most some score
(never credit for code that is wrong). ``tests/test_hostile.py`` grades them
all beside the sample class and checks every expectation.
"""
from __future__ import annotations

import json
import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .paths import Course

ASSIGNMENT = "00_gradient_checking"


@dataclass(frozen=True)
class Case:
    student: str
    base: str                      # sample student the submission starts from
    change: Callable[[Path, Course], None]
    expect_failed: str | None = None   # substring of the failure reason
    max_score_of: str | None = None    # graded, scoring at most this sample student
    may_fail: bool = False             # a failure naming its cause is honest too
    what: str = ""


def _module(dest: Path, name: str) -> Path:
    return dest / "course_lib" / f"{name}.py"


def _append(dest: Path, name: str, code: str) -> None:
    path = _module(dest, name)
    path.write_text(path.read_text() + "\n" + textwrap.dedent(code))


def _replace_function(dest: Path, module: str, function: str, body: str) -> None:
    """Append a new definition of ``function``; the last definition wins."""
    _append(dest, module, f"\n\ndef {function}(*args, **kwargs):\n"
            + textwrap.indent(textwrap.dedent(body), "    "))


def _notebook(dest: Path) -> Path:
    return dest / f"{ASSIGNMENT}.ipynb"


def _edit_cells(dest: Path, edit) -> None:
    path = _notebook(dest)
    nb = json.loads(path.read_text())
    nb["cells"] = [c for c in (edit(cell) for cell in nb["cells"]) if c is not None]
    path.write_text(json.dumps(nb))


def _is_test_cell(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell["cell_type"] == "code" and meta.get("grade") and not meta.get("solution")


def infinite_loop(dest, course):
    _replace_function(dest, "losses", "svm_loss", "while True:\n    pass\n")


def ignores_interrupt(dest, course):
    _replace_function(dest, "losses", "svm_loss", """\
        while True:
            try:
                while True:
                    pass
            except KeyboardInterrupt:
                pass
        """)


def sys_exit(dest, course):
    _append(dest, "losses", "import sys\nsys.exit(0)\n")


def os_exit(dest, course):
    _append(dest, "losses", "import os\nos._exit(0)\n")


def memory_hog(dest, course):
    _replace_function(dest, "losses", "svm_loss",
                      "import numpy as np\nhog = np.ones(2 ** 37)\nreturn hog\n")


def print_flood(dest, course):
    _append(dest, "layers", "import sys\nfor _ in range(5000):\n"
            "    sys.stdout.write('spam ' * 200 + '\\n')\n")


def missing_notebook(dest, course):
    _notebook(dest).unlink()


def deleted_module(dest, course):
    _module(dest, "losses").unlink()


def renamed_module(dest, course):
    _module(dest, "losses").rename(_module(dest, "my_losses"))


def syntax_error(dest, course):
    _append(dest, "losses", "def broken(:\n    pass\n")


def renamed_function(dest, course):
    path = _module(dest, "losses")
    path.write_text(path.read_text().replace("def softmax_loss(", "def softmax_loss_v2("))


def deleted_test_cells(dest, course):
    _edit_cells(dest, lambda c: None if _is_test_cell(c) else c)


def edited_test_cells(dest, course):
    def edit(cell):
        if _is_test_cell(cell):
            cell["source"] = "pass  # nothing to check here"
        return cell
    _edit_cells(dest, edit)


def skip_tags(dest, course):
    """Tag every test cell so that an executor honouring tags would not run it."""
    from .experiments import SKIP_TAG

    def edit(cell):
        if _is_test_cell(cell):
            cell.setdefault("metadata", {})["tags"] = ["skip-execution", SKIP_TAG, "experiment"]
        return cell
    _edit_cells(dest, edit)


MONKEYPATCH = """\
import builtins as _b
import numpy as _np
_np.allclose = lambda *a, **k: True
_np.testing.assert_allclose = lambda *a, **k: None
try:
    import course_lib._hidden as _h
    _h.assert_close = lambda *a, **k: None
    _h.assert_gradient = lambda *a, **k: None
    _h.rel_error = lambda *a, **k: 0.0
except ImportError:
    pass
try:
    import course_lib.checks as _c
    for _name in dir(_c):
        if _name.startswith("check_"):
            setattr(_c, _name, lambda *a, **k: None)
except ImportError:
    pass
"""


def monkeypatch(dest, course):
    _append(dest, "losses", MONKEYPATCH)


def replace_builtins(dest, course):
    _append(dest, "losses", "import builtins\nbuiltins.isinstance = lambda *a, **k: True\n"
            "builtins.max = lambda *a, **k: 0.0\n")


def snoop_source(dest, course):
    source = course.source / ASSIGNMENT / "course_lib" / "losses.py"
    _append(dest, "losses", f"""\
        try:
            exec(open({str(source)!r}).read())
        except OSError:
            pass
        """)


def snoop_classmates(dest, course):
    other = course.submitted / "perfect" / ASSIGNMENT / "course_lib" / "losses.py"
    _append(dest, "losses", f"""\
        try:
            exec(open({str(other)!r}).read())
        except OSError:
            pass
        """)


def write_gradebook(dest, course):
    _append(dest, "losses", f"""\
        try:
            import sqlite3
            _db = sqlite3.connect({str(course.gradebook)!r})
            _db.execute("UPDATE grade SET auto_score = 99")
            _db.commit()
        except Exception:
            pass
        """)


CASES = [
    Case("h_infinite_loop", "perfect", infinite_loop, max_score_of="perfect",
         what="an infinite loop in svm_loss"),
    Case("h_ignores_interrupt", "perfect", ignores_interrupt, max_score_of="perfect",
         may_fail=True, what="a loop that swallows KeyboardInterrupt"),
    Case("h_sys_exit", "perfect", sys_exit, max_score_of="perfect",
         what="sys.exit() when losses.py is imported"),
    Case("h_os_exit", "perfect", os_exit, expect_failed="kernel",
         what="os._exit() when losses.py is imported"),
    Case("h_memory_hog", "perfect", memory_hog, max_score_of="perfect",
         what="svm_loss allocates 1 TiB"),
    Case("h_print_flood", "perfect", print_flood, max_score_of="perfect",
         what="layers.py prints megabytes when imported"),
    Case("h_missing_notebook", "perfect", missing_notebook, expect_failed="missing",
         what="the notebook was not submitted"),
    Case("h_deleted_module", "perfect", deleted_module, max_score_of="perfect",
         what="course_lib/losses.py deleted"),
    Case("h_renamed_module", "perfect", renamed_module, max_score_of="perfect",
         what="course_lib/losses.py renamed"),
    Case("h_syntax_error", "perfect", syntax_error, max_score_of="perfect",
         what="a syntax error in losses.py"),
    Case("h_renamed_function", "perfect", renamed_function, max_score_of="perfect",
         what="softmax_loss renamed"),
    Case("h_deleted_tests", "stub", deleted_test_cells, max_score_of="stub",
         what="stub code, every test cell deleted"),
    Case("h_edited_tests", "stub", edited_test_cells, max_score_of="stub",
         what="stub code, every test cell replaced by pass"),
    Case("h_skip_tags", "buggy", skip_tags, max_score_of="buggy",
         what="buggy code, every test cell tagged skip-execution and the grader's skip tags"),
    Case("h_monkeypatch", "buggy", monkeypatch, max_score_of="buggy",
         what="buggy code that replaces np.allclose, np.testing and the checking helpers"),
    Case("h_builtins", "buggy", replace_builtins, max_score_of="buggy", may_fail=True,
         what="buggy code that replaces isinstance and max in builtins"),
    Case("h_snoop_source", "stub", snoop_source, max_score_of="stub",
         what="stub code that tries to exec the instructor's source copy"),
    Case("h_snoop_classmates", "stub", snoop_classmates, max_score_of="stub",
         what="stub code that tries to exec a classmate's submission"),
    Case("h_write_gradebook", "stub", write_gradebook, max_score_of="stub",
         what="stub code that tries to write 99 points into the gradebook"),
]


def _write(course: Course, cases: list, assignment: str) -> list:
    """Each case's submission of ``assignment``: its base student's copy, then its change."""
    for case in cases:
        base = course.submitted / case.base / assignment
        dest = course.submitted / case.student / assignment
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(base, dest)
        case.change(dest, course)
    return cases


def generate(course: Course) -> list[Case]:
    """Write every hostile submission (the sample class must exist already)."""
    return _write(course, CASES, ASSIGNMENT)


# ------------------------------------------------------------------ the capstone of 07
#
# Submissions whose saved model cannot be evaluated, or that try to change it while
# grading. Each is graded (never failed: the notebook itself is fine) and its capstone
# cell earns what the named status says.

CAPSTONE_ASSIGNMENT = "07_babysitting"


@dataclass(frozen=True)
class CapstoneCase:
    student: str
    base: str                    # sample student the submission starts from
    change: Callable[[Path, Course], None]
    status: str                  # the capstone status the grader must name
    what: str = ""


def _model_file(dest: Path) -> Path:
    from . import reference_lib

    return dest / reference_lib.module("capstone").MODEL_FILE


def _rewrite_model(dest: Path, edit) -> None:
    """Load the saved arrays, let ``edit`` change the dict, save them again (no pickle)."""
    import numpy as np

    with np.load(_model_file(dest), allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    edit(arrays)
    with _model_file(dest).open("wb") as fh:
        np.savez(fh, **arrays)


def no_model(dest, course):
    _model_file(dest).unlink()


def wrong_shape(dest, course):
    """The model of another data set: 64 inputs (the 8×8 digits) where MNIST-1D has 40."""
    import numpy as np

    def edit(arrays):
        arrays["param.W1"] = np.zeros((64, arrays["param.W1"].shape[1]))
        arrays["mean"], arrays["std"] = np.zeros(64), np.ones(64)
    _rewrite_model(dest, edit)


def not_a_model(dest, course):
    _model_file(dest).write_text("my model: 3 layers of 256, batch norm, dropout 0.2\n")


def pickled_model(dest, course):
    """An archive whose configuration is a pickled object: loading it must never unpickle."""
    import numpy as np

    def edit(arrays):
        arrays["config"] = np.array([{"hidden_dims": [256, 256, 256]}], dtype=object)
    _rewrite_model(dest, edit)


def unknown_activation(dest, course):
    import json

    import numpy as np

    def edit(arrays):
        config = json.loads(str(arrays["config"]))
        config["activation"] = "swish"
        arrays["config"] = np.array(json.dumps(config))
    _rewrite_model(dest, edit)


def swap_model_while_grading(dest, course):
    """Code that, run by the grading kernel, replaces the saved model by a constant one."""
    _append(dest, "babysit", """\
        try:
            import numpy as _np
            from pathlib import Path as _Path
            with _np.load("capstone_model.npz", allow_pickle=False) as _a:
                _arrays = {_k: _a[_k] for _k in _a.files}
            for _k in list(_arrays):
                if _k.startswith("param."):
                    _arrays[_k] = _np.zeros_like(_arrays[_k])
            with _Path("capstone_model.npz").open("wb") as _fh:
                _np.savez(_fh, **_arrays)
        except Exception:
            pass
        """)


CAPSTONE_CASES = [
    CapstoneCase("c_no_model", "perfect", no_model, "no model",
                 what="the perfect submission without capstone_model.npz"),
    CapstoneCase("c_wrong_shape", "perfect", wrong_shape, "wrong shape",
                 what="a model whose first layer takes 64 inputs"),
    CapstoneCase("c_not_a_model", "perfect", not_a_model, "not a model",
                 what="capstone_model.npz is a text file"),
    CapstoneCase("c_pickled", "perfect", pickled_model, "not a model",
                 what="the configuration inside the archive is a pickled object"),
    CapstoneCase("c_bad_config", "perfect", unknown_activation, "bad configuration",
                 what="the saved configuration names an activation the network lacks"),
    CapstoneCase("c_swap_model", "perfect", swap_model_while_grading, "scored",
                 what="babysit.py zeroes the saved model when the grading kernel imports it"),
]


def generate_capstone(course: Course) -> list[CapstoneCase]:
    """Write every capstone case (the sample class of 07 must exist already)."""
    return _write(course, CAPSTONE_CASES, CAPSTONE_ASSIGNMENT)
