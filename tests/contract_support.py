"""Run the hidden tests of a graded cell in-process, on the reference or on a changed module.

What ``tests/test_hidden_contract.py`` needs to show that the hidden tests are
the specification of every student function:

* which functions hold a solution region (:func:`student_functions`), and which
  assignment teaches each (:func:`assignment_of`: the whole module's, or for the
  network in ``model.py``, which several assignments share, the function's own);
* the hidden region of each graded cell, and which documented behaviour each of
  its lines checks (the ``# contract: <tag>`` comment above the line);
* :func:`run_hidden`: the hidden region executed one top-level statement at a
  time in a namespace like the notebook's, with chosen ``course_lib`` modules
  replaced by module objects built from text: each module as the grading of the
  cell's assignment runs it (:func:`graded_text`), the assignment's own
  functions being the reference, the stub, or the reference with one
  deliberate mistake. A failing statement does not stop
  the run, so every check that a wrong implementation trips is recorded, each
  with the line of the hidden region that raised.
"""
from __future__ import annotations

import ast
import re
import sys
import types
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import nbformat

from autograder import modules
from autograder.manifest import ASSIGNMENTS, Assignment, function_owner, index
from autograder.paths import LIB, NOTEBOOKS

TAG = re.compile(r"^\s*#\s*contract:\s*(.+?)\s*$")
#: Every module that holds student functions: those one assignment teaches whole,
#: and those several assignments share (the network), function by function.
STUDENT_MODULES = tuple(dict.fromkeys(m for a in ASSIGNMENTS for m in a.modules + a.shared_modules))


@dataclass(frozen=True)
class Behaviour:
    """One behaviour a docstring states, how the hidden tests know it, how to break it.

    ``tag`` names the behaviour in the hidden tests (``# contract: <tag>`` above
    the lines that check it); ``says`` is the phrase of the docstring (of the
    function, its class or its module) that states it; ``mutant`` is a list of
    ``(old, new)`` replacements in the reference module, each matching exactly
    once, that make an implementation wrong in this behaviour only.
    """

    tag: str
    says: str
    mutant: tuple[tuple[str, str], ...]


def B(tag: str, says: str, old: str, new: str, *more: tuple[str, str]) -> Behaviour:
    return Behaviour(tag, says, ((old, new),) + tuple(more))


@dataclass(frozen=True)
class Contract:
    """The graded cell (``grade_id``) whose hidden tests specify a function, and its behaviours."""

    cell: str
    behaviours: tuple[Behaviour, ...]


def C(cell: str, *behaviours: Behaviour) -> Contract:
    """``C("adam", ...)``: the cell ``adam`` grades one function. ``C("clipping.clip_by_value",
    ...)``: the cell ``clipping`` grades several functions; in its hidden tests the tags of this
    one are written ``clip_by_value.<tag>``, so that each behaviour is checked by its own
    function's lines."""
    if "." not in cell:
        return Contract(cell, behaviours)
    cell, function = cell.split(".")
    return Contract(cell, tuple(Behaviour(f"{function}.{b.tag}", b.says, b.mutant)
                                for b in behaviours))


# ----------------------------------------------------------------- student functions
def _functions_with_solutions(tree: ast.Module, lines: list[str]):
    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                yield from visit(child, prefix + child.name + ".")
            elif isinstance(child, ast.FunctionDef):
                body = "\n".join(lines[child.lineno - 1:child.end_lineno])
                if modules.BEGIN_SOLUTION in body:
                    yield prefix + child.name, child
    yield from visit(tree, "")


def student_functions() -> dict[str, str]:
    """``'module.qualname' -> docstring text`` (function, class and module docstrings joined)."""
    found = {}
    for module in STUDENT_MODULES:
        text = (LIB / f"{module}.py").read_text(encoding="utf-8")
        tree = ast.parse(text)
        classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
        for qualname, node in _functions_with_solutions(tree, text.splitlines()):
            docs = [ast.get_docstring(node) or ""]
            if "." in qualname:
                docs.append(ast.get_docstring(classes[qualname.split(".")[0]]) or "")
            docs.append(ast.get_docstring(tree) or "")
            found[f"{module}.{qualname}"] = "\n".join(docs)
    return found


def normalise(text: str) -> str:
    return " ".join(text.split())


# ----------------------------------------------------------------- graded cells
@dataclass(frozen=True)
class GradedCell:
    grade_id: str
    notebook: Path
    source: str

    @property
    def hidden(self) -> str:
        """The text between the hidden-test markers (empty when there is none)."""
        lines = self.source.split("\n")
        try:
            start = next(i for i, l in enumerate(lines) if modules.BEGIN_HIDDEN in l)
            end = next(i for i, l in enumerate(lines) if modules.END_HIDDEN in l)
        except StopIteration:
            return ""
        return "\n".join(lines[start + 1:end])

    @property
    def first_hidden_line(self) -> int:
        """Line number (1-based, in the cell) of the first line of :attr:`hidden`."""
        lines = self.source.split("\n")
        return next(i for i, l in enumerate(lines) if modules.BEGIN_HIDDEN in l) + 2

    def tags(self) -> list[set[str]]:
        """For each line of :attr:`hidden`, the tags of the ``# contract:`` comment above it."""
        current: set[str] = set()
        per_line = []
        for line in self.hidden.split("\n"):
            match = TAG.match(line)
            if match:
                current = {t.strip() for t in match.group(1).split(",") if t.strip()}
            per_line.append(set(current))
        return per_line

    def checked(self) -> dict[str, list[int]]:
        """Tag -> line numbers (1-based, in :attr:`hidden`) of code lines under that tag."""
        result: dict[str, list[int]] = {}
        for number, (line, tags) in enumerate(zip(self.hidden.split("\n"), self.tags()), 1):
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            for tag in tags:
                result.setdefault(tag, []).append(number)
        return result


def check_lines(cell: GradedCell) -> list[int]:
    """Lines of the hidden tests (outside helper functions) holding an ``assert`` or an
    ``_hidden.assert_*`` call: the checks, each of which must be marked with a behaviour."""
    found = set()
    for statement in ast.parse(cell.hidden).body:
        if isinstance(statement, (ast.FunctionDef, ast.ClassDef)):
            continue
        for node in ast.walk(statement):
            if isinstance(node, (ast.FunctionDef, ast.Lambda)):
                continue
            is_call = (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                       and node.func.attr.startswith("assert"))
            if isinstance(node, ast.Assert) or is_call:
                found.add(node.lineno)
    return sorted(found)


@lru_cache(maxsize=None)
def graded_cells(notebooks: Path = NOTEBOOKS) -> dict[str, GradedCell]:
    """Every graded code cell of the course's notebooks (those in ``notebooks``), by grade_id."""
    cells = {}
    for assignment in ASSIGNMENTS:
        path = notebooks / assignment.notebook
        if not path.exists():
            continue
        for cell in nbformat.read(path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "code" and meta.get("grade"):
                cells[meta["grade_id"]] = GradedCell(meta["grade_id"], path, cell.source)
    return cells


def assignment_of(name: str) -> Assignment:
    """The assignment that teaches student function ``name`` (``'module.qualname'``)."""
    module, qualname = name.split(".", 1)
    owner = function_owner(module, qualname)
    if owner is None:
        raise LookupError(f"autograder/manifest.py names no assignment that teaches {name}")
    return owner


def notebook_of(name: str) -> Path:
    """The notebook of the assignment that teaches student function ``name``."""
    return NOTEBOOKS / assignment_of(name).notebook


def assignment_of_cell(cell: GradedCell) -> Assignment:
    return next(a for a in ASSIGNMENTS if a.notebook == cell.notebook.name)


@lru_cache(maxsize=None)
def _setup_imports(notebook: Path) -> str:
    """The import statements of the code cells before the notebook's first graded cell."""
    statements = []
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        if cell.metadata.get("nbgrader", {}).get("grade"):
            break
        code = "\n".join(l for l in cell.source.split("\n") if not l.lstrip().startswith(("%", "!")))
        for node in ast.parse(code).body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                statements.append(ast.unparse(node))
    return "\n".join(statements)


# ----------------------------------------------------------------- modules from text
def reference_text(module: str, lib: Path = LIB) -> str:
    return modules.reference((lib / f"{module}.py").read_text(encoding="utf-8"))


def stub_text(module: str) -> str:
    return modules.stub((LIB / f"{module}.py").read_text(encoding="utf-8"))


def graded_text(module: str, assignment: Assignment, own: str = "reference",
                lib: Path = LIB) -> str:
    """``module`` as grading ``assignment`` runs it; the functions it teaches as ``own``.

    Region by region, as the build writes the assignment's source and grading
    restores it (``autograder.build.module_text_for``, ``autograder.splice``): a
    function a later assignment teaches is a stub, one an earlier assignment
    teaches is the reference, and the assignment's own functions are ``own``
    (``'reference'`` or ``'stub'``).
    """
    text = (lib / f"{module}.py").read_text(encoding="utf-8")

    def decide(qualname: str) -> str:
        owner = function_owner(module, qualname)
        if owner is None:
            raise LookupError(f"autograder/manifest.py names no assignment that teaches "
                              f"{module}.{qualname}")
        if owner.name == assignment.name:
            return own
        return "stub" if index(owner) > index(assignment) else "reference"

    return modules.transform_regions(text, decide)


def mutated_text(module: str, mutant, assignment: Assignment) -> str:
    """:func:`graded_text` of ``module`` for ``assignment`` with the mutant's replacements."""
    text = graded_text(module, assignment)
    for old, new in mutant:
        count = text.count(old)
        if count != 1:
            raise AssertionError(f"mutant of {module}: {old!r} occurs {count} times in the "
                                 "reference, expected exactly once")
        text = text.replace(old, new)
    return text


_counter = 0


def module_from_text(module: str, text: str) -> types.ModuleType:
    """Execute ``text`` as a fresh module (registered under a private name while it runs)."""
    global _counter
    _counter += 1
    name = f"_contract_{module}_{_counter}"
    mod = types.ModuleType(name)
    mod.__file__ = str(LIB / f"{module}.py")
    mod.__package__ = "course_lib"  # its relative imports find the course's other modules
    sys.modules[name] = mod  # dataclasses look their module up while the class is built
    try:
        exec(compile(text, f"<{module}.py>", "exec"), mod.__dict__)
    finally:
        del sys.modules[name]
    return mod


# ----------------------------------------------------------------- running hidden tests
@dataclass(frozen=True)
class Failure:
    line: int          # 1-based line of the hidden region that raised (0: not located)
    error: str         # exception type name
    message: str
    tags: frozenset    # the behaviours the raising line checks


def run_hidden(cell: GradedCell, replaced: dict[str, types.ModuleType]) -> list[Failure]:
    """Run ``cell``'s hidden tests with ``replaced`` modules; every failing statement, in order."""
    import warnings

    namespace: dict = {"__name__": "__hidden__"}
    exec(_setup_imports(cell.notebook), namespace)
    namespace.update(replaced)
    filename = f"<hidden tests of {cell.grade_id}>"
    tags = cell.tags()
    failures = []
    tree = ast.parse(cell.hidden)
    for statement in tree.body:
        code = compile(ast.Module(body=[statement], type_ignores=[]), filename, "exec")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")   # the grader drops warnings too
                exec(code, namespace)
        except Exception as exc:  # noqa: BLE001 - any error fails the graded cell
            line = 0
            tb = exc.__traceback__
            while tb is not None:
                if tb.tb_frame.f_code.co_filename == filename:
                    line = tb.tb_lineno
                    break
                tb = tb.tb_next
            found = frozenset(tags[line - 1]) if line else frozenset()
            failures.append(Failure(line, type(exc).__name__, str(exc)[:300], found))
    return failures
