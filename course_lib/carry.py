"""Your library travels with you: bring your finished modules into a new assignment (given).

Every assignment folder ships ``course_lib`` with each module students write as a
stub, the modules of earlier assignments included: no release hands out an
answer. The modules *you* completed live in the folders of their own
assignments, beside this one (``nbgrader``'s fetch and ``make lab`` put every
assignment folder side by side)::

    00_gradient_checking/course_lib/layers.py      <- your work of assignment 00
    05_optimizers/course_lib/layers.py             <- the stub, until carried here

:func:`carry_forward`, called by the first code cell of every notebook, copies
each earlier module from the assignment that teaches it into this folder, but
only while this folder's copy is still the untouched stub it was released as
(its SHA-256 is in ``_release.json``): a file you changed here is never
overwritten. It prints what it carried and from where, and names every earlier
function that is still unfinished. When a cell then calls such a function, the
cell's error is one sentence saying which function, from which assignment,
blocks it, instead of a traceback.

Grading never depends on this: the grader restores the reference of every module
an assignment does not teach, so only this assignment's own modules are graded.
"""
from __future__ import annotations

import ast
import hashlib
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["carry_forward", "CarryReport", "unfinished_functions"]

LIB = Path(__file__).resolve().parent
MANIFEST = "_release.json"

_STUB = re.compile(r"^[ \t]*# YOUR CODE HERE[ \t]*\n[ \t]*raise NotImplementedError\(\)", re.M)


@dataclass
class CarryReport:
    """What :func:`carry_forward` did, module by module."""

    assignment: str | None = None
    carried: list[tuple[str, str]] = field(default_factory=list)   # (module, from assignment)
    kept: list[tuple[str, str]] = field(default_factory=list)      # yours here differs from theirs
    missing: list[tuple[str, str]] = field(default_factory=list)   # no folder / file to carry from
    # earlier assignment -> [(module, function)] still holding the released stub
    unfinished: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)           # module -> first assignment

    def lines(self) -> list[str]:
        if self.assignment is None:
            return []
        out = []
        by_source: dict[str, list[str]] = {}
        for module, source in self.carried:
            by_source.setdefault(source, []).append(f"{module}.py")
        for source, names in by_source.items():
            out.append(f"Carried your {', '.join(names)} from ../{source}/course_lib/ into "
                       "this folder.")
        for module, source in self.kept:
            out.append(f"Kept your own course_lib/{module}.py here; the one in ../{source}/ "
                       "differs (copy it by hand if that is the one you want).")
        for module, source in self.missing:
            out.append(f"No ../{source}/course_lib/{module}.py beside this folder: "
                       f"{module}.py stays as released.")
        for owner, functions in self.unfinished.items():
            names = ", ".join(f"{function} (course_lib/{module}.py)"
                              for module, function in functions)
            out.append(f"Not finished yet from {owner}: {names}.")
        if self.unfinished:
            out.append("A cell that needs one of these stops with a sentence naming it; this "
                       "assignment's graded checks do not need them.")
        if not out:
            out.append(f"course_lib is ready for {self.assignment}: every module of an "
                       "earlier assignment is here.")
        return out


def function_owner(entry: dict, qualname: str) -> str:
    """The assignment that teaches ``qualname`` of a module's manifest ``entry``."""
    return entry.get("functions", {}).get(qualname, entry["assignments"][0])


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_manifest(lib: Path = LIB) -> dict | None:
    """The release manifest of this folder, or None (the instructor's own library)."""
    path = Path(lib) / MANIFEST
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def unfinished_functions(path: Path) -> list[str]:
    """Functions (``Class.method`` for methods) of a module that still hold a stub."""
    text = Path(path).read_text(encoding="utf-8")
    stub_lines = {text.count("\n", 0, m.start()) + 2 for m in _STUB.finditer(text)}
    if not stub_lines:
        return []
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return []
    found = []

    def visit(node, prefix=""):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if any(child.lineno <= line <= child.end_lineno for line in stub_lines):
                    found.append(f"{prefix}{child.name}")
    visit(tree)
    return found


def carry_forward(lib: Path | str | None = None, echo=print) -> CarryReport:
    """Copy your finished earlier modules into this assignment's ``course_lib``.

    Parameters
    ----------
    lib : path, optional
        The ``course_lib`` folder of this assignment (default: this package's).
    echo : callable
        Where the summary goes (``print``); ``None`` for silence.

    Returns
    -------
    CarryReport
        What was carried, kept, missing and unfinished.
    """
    lib = Path(lib).resolve() if lib is not None else LIB
    manifest = read_manifest(lib)
    report = CarryReport()
    if manifest is None:
        return report
    report.assignment = manifest["assignment"]
    course = manifest["course"]
    here = course.index(report.assignment)
    siblings = lib.parent.parent
    in_course_order = sorted(manifest["modules"].items(),
                             key=lambda item: (course.index(item[1]["assignments"][0]), item[0]))
    for module, entry in in_course_order:
        before = [a for a in entry["assignments"] if course.index(a) < here]
        report.owners[module] = entry["assignments"][0]
        if not before:
            continue
        # A module several assignments extend comes from the latest of them so far.
        source = before[-1]
        local = lib / f"{module}.py"
        theirs = siblings / source / "course_lib" / f"{module}.py"
        local_is_stub = local.exists() and _sha256(local) == entry["released_sha256"]
        if not theirs.exists():
            if local_is_stub or not local.exists():
                report.missing.append((module, source))
            continue
        theirs_is_stub = _sha256(theirs) == entry["released_sha256"]
        if (local_is_stub or not local.exists()) and not theirs_is_stub:
            shutil.copyfile(theirs, local)
            report.carried.append((module, source))
        elif not local_is_stub and not theirs_is_stub and _sha256(theirs) != _sha256(local):
            report.kept.append((module, source))
    for module, entry in in_course_order:
        path = lib / f"{module}.py"
        if not path.exists():
            continue
        for function in unfinished_functions(path):
            owner = function_owner(entry, function)
            if course.index(owner) < here:
                report.unfinished.setdefault(owner, []).append((module, function))
    install_messages(lib, manifest)
    if echo is not None:
        for line in report.lines():
            echo(line)
    return report


def blocked_message(tb, lib: Path, manifest: dict) -> str | None:
    """The sentence for a NotImplementedError raised by a stub of ``lib``, or None."""
    frame = None
    while tb is not None:
        frame = tb.tb_frame
        tb = tb.tb_next
    if frame is None:
        return None
    path = Path(frame.f_code.co_filename)
    entry = manifest["modules"].get(path.stem)
    try:
        inside = path.resolve().parent == Path(lib).resolve()
    except OSError:
        inside = False
    if entry is None or not inside:
        return None
    function = getattr(frame.f_code, "co_qualname", frame.f_code.co_name)
    owner = function_owner(entry, function.split(".<locals>")[0])
    if owner == manifest["assignment"]:
        return (f"{function} in course_lib/{path.name} is not implemented yet: it is part of "
                "this assignment; replace its `raise NotImplementedError()` with your code.")
    course = manifest["course"]
    if course.index(owner) > course.index(manifest["assignment"]):
        return (f"This cell needs {function} (course_lib/{path.name}), which assignment "
                f"{owner} teaches later: it cannot run yet.")
    return (f"This cell needs {function} from {owner} (course_lib/{path.name}), which is not "
            f"finished in this folder: complete it in ../{owner}/ and run this notebook's "
            "first code cell again to carry it here.")


def install_messages(lib: Path, manifest: dict) -> bool:
    """In IPython, show a stub's NotImplementedError as one sentence; True if installed."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False

    def handler(shell, etype, value, tb, tb_offset=None):
        message = blocked_message(tb, lib, manifest)
        if message is None:
            stb = shell.InteractiveTB.structured_traceback(etype, value, tb,
                                                           tb_offset=tb_offset)
        else:
            stb = [f"\x1b[0;31mNotImplementedError\x1b[0m: {message}"]
        # IPython's hook for showing an error: in Jupyter it sends the cell's error output.
        shell._showtraceback(etype, value, stb)
        return None

    shell.set_custom_exc((NotImplementedError,), handler)
    return True
