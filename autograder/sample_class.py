"""A simulated class, generated from the release: what ``make demo`` and the tests grade.

* ``perfect`` hands in the reference solution of every student function;
* ``stub`` hands in the release untouched;
* ``buggy`` makes one plausible mistake per assignment (see :data:`BUGS`);
* ``broken`` hands in a notebook that is not valid JSON.

In the capstone (07) ``perfect`` also hands in the model of the instructor
notebook's configuration and ``buggy`` the given baseline's, each trained as the
notebook trains it; ``stub`` hands in no model.

Submissions are laid out the way ``nbgrader collect`` leaves them:
``course/submitted/<student>/<assignment>/`` with a ``timestamp.txt``.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from . import modules, reference_lib
from .manifest import Assignment, function_owner, index
from .paths import LIB, Course

TIMESTAMP = "2026-11-20 17:00:00.000000 UTC"


@dataclass(frozen=True)
class Bug:
    """One plausible student mistake: replace ``old`` by ``new`` in ``module``'s reference."""

    module: str
    old: str
    new: str
    what: str


BUGS: dict[str, Bug] = {
    "00_gradient_checking": Bug(
        "losses",
        "    dscores[np.arange(n), y] -= 1\n    dscores /= n\n",
        "    dscores[np.arange(n), y] -= 1\n",
        "softmax gradient not divided by the batch size N",
    ),
    "01_activations": Bug(
        "activations",
        "dx = dout * (x > 0)",
        "dx = dout.copy()  # the gradient flows where x < 0 too",
        "ReLU backward lets the gradient through where x < 0",
    ),
    "02_initialization": Bug(
        "init",
        "limit = np.sqrt(6.0 / fan_in)",
        "limit = np.sqrt(2.0 / fan_in)",
        "he_uniform uses the normal's std as the uniform limit (variance 3x too small)",
    ),
    "03_batch_normalization": Bug(
        "model",
        "        return dh + dout\n",
        "        return dh\n",
        "the network's skip backward drops the branch through the identity",
    ),
    "04_regularization": Bug(
        "regularization",
        "mask = keep.astype(x.dtype) / x.dtype.type(1.0 - rate)",
        "mask = keep.astype(x.dtype)",
        "dropout without rescaling: E[out] is (1 - rate) x in training",
    ),
    "05_optimizers": Bug(
        "optim",
        "    m_hat = m / (1 - beta1**t)\n    v_hat = v / (1 - beta2**t)\n",
        "    m_hat = m.copy()\n    v_hat = v.copy()\n",
        "Adam without bias correction",
    ),
    "06_lr_schedules": Bug(
        "schedules",
        "lr = self.lr0 * 10.0 ** (-t / self.r)",
        "lr = self.lr0 * np.exp(-t / self.r)",
        "exponential decay in base e: it drops by e, not 10, every r steps",
    ),
    "07_babysitting": Bug(
        "babysit",
        "        refined[name] = (float(lo), float(hi), scale)\n",
        "        refined[name] = (max(float(lo), low), min(float(hi), high), scale)\n",
        "refined search range clipped to the old one: it never moves past a border",
    ),
}


def reference_module(module: str) -> str:
    return modules.reference((LIB / f"{module}.py").read_text(encoding="utf-8"))


def finished_module(module: str, upto: Assignment) -> str:
    """``module`` as a student has it after finishing every assignment up to ``upto``.

    For a module one assignment teaches, that is its reference. For a module
    several assignments extend (the network), the functions taught up to
    ``upto`` are written and those of later assignments still hold the stub.
    """
    text = (LIB / f"{module}.py").read_text(encoding="utf-8")

    def decide(qualname):
        owner = function_owner(module, qualname)
        return "reference" if owner is not None and index(owner) <= index(upto) else "stub"

    return modules.transform_regions(text, decide)


def apply_bug(bug: Bug, assignment: Assignment | None = None) -> str:
    text = (finished_module(bug.module, assignment) if assignment is not None
            else reference_module(bug.module))
    if text.count(bug.old) != 1:
        raise RuntimeError(f"sample bug for {bug.module} expects exactly one {bug.old!r} "
                           f"in the reference; found {text.count(bug.old)}: update BUGS")
    return text.replace(bug.old, bug.new)


def _start(course: Course, assignment: Assignment, student: str) -> Path:
    dest = course.submitted / student / assignment.name
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(course.release / assignment.name, dest)
    (dest / "timestamp.txt").write_text(TIMESTAMP)
    return dest


def answer_reflections(dest: Path, assignment: Assignment) -> None:
    """Write an answer into every manually graded markdown cell (left for formgrader)."""
    import nbformat

    path = dest / assignment.notebook
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "markdown" and meta.get("solution") and meta.get("grade"):
            cell.source = ("A sample student's answer, written by the sample class "
                           "generator; an instructor grades it in formgrader.")
    nbformat.write(nb, path)


def _solve(dest: Path, assignment: Assignment) -> Path:
    for module in assignment.modules + assignment.shared_modules:
        (dest / "course_lib" / f"{module}.py").write_text(finished_module(module, assignment))
    answer_reflections(dest, assignment)
    if assignment.name == CAPSTONE:
        write_capstone_model(dest, reference_capstone_config())
    return dest


CAPSTONE = "07_babysitting"
CAPSTONE_CONFIG_CELL = "capstone_config"


def reference_capstone_config() -> dict:
    """``MY_CONFIG`` of the instructor notebook's answer cell: 07's reference configuration."""
    import nbformat

    from .paths import NOTEBOOKS

    capstone = reference_lib.module("capstone")

    nb = nbformat.read(NOTEBOOKS / f"{CAPSTONE}.ipynb", as_version=4)
    cell = next(c for c in nb.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == CAPSTONE_CONFIG_CELL)
    namespace = {"capstone": capstone}
    exec(modules.reference(cell.source), namespace)
    return dict(namespace["MY_CONFIG"])


_trained: dict[str, bytes] = {}


def capstone_model_bytes(config: dict, seed: int = 0) -> bytes:
    """The file ``capstone.save_model`` writes for ``config``, trained as the notebook does
    (``merge_val=True``); computed once per configuration in this process."""
    import json
    import tempfile

    capstone, data = reference_lib.module("capstone"), reference_lib.module("data")
    key = json.dumps([config, seed], sort_keys=True)
    if key not in _trained:
        trained = capstone.train(config, data.load_mnist1d(), seed=seed, merge_val=True)
        with tempfile.TemporaryDirectory(prefix="sample-capstone-") as tmp:
            path = capstone.save_model(trained, Path(tmp) / capstone.MODEL_FILE)
            _trained[key] = path.read_bytes()
    return _trained[key]


def write_capstone_model(dest: Path, config: dict) -> Path:
    capstone = reference_lib.module("capstone")
    path = dest / capstone.MODEL_FILE
    path.write_bytes(capstone_model_bytes(config))
    return path


def perfect(course: Course, assignment: Assignment) -> Path:
    return _solve(_start(course, assignment, "perfect"), assignment)


def stub(course: Course, assignment: Assignment) -> Path:
    return _start(course, assignment, "stub")


def buggy(course: Course, assignment: Assignment) -> Path:
    dest = _start(course, assignment, "buggy")
    answer_reflections(dest, assignment)
    bug = BUGS.get(assignment.name)
    if bug is None:
        raise RuntimeError(f"no sample bug defined for {assignment.name}: add one to BUGS")
    for module in assignment.modules + assignment.shared_modules:
        text = (apply_bug(bug, assignment) if module == bug.module
                else finished_module(module, assignment))
        (dest / "course_lib" / f"{module}.py").write_text(text)
    if assignment.name == CAPSTONE:
        write_capstone_model(dest, reference_lib.module("capstone").BASELINE)
    return dest


def broken(course: Course, assignment: Assignment) -> Path:
    dest = _solve(_start(course, assignment, "broken"), assignment)
    # A half-saved notebook: the editor died in the middle of writing the JSON.
    nb = dest / assignment.notebook
    text = nb.read_text()
    nb.write_text(text[: len(text) // 2])
    return dest


STUDENTS = {"perfect": perfect, "stub": stub, "buggy": buggy, "broken": broken}


def generate(course: Course, assignments: list[Assignment]) -> list[tuple[str, str]]:
    """Write every sample student's submission of every assignment."""
    made = []
    for assignment in assignments:
        for student, make in STUDENTS.items():
            make(course, assignment)
            made.append((student, assignment.name))
    return made
