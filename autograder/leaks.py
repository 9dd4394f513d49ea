"""What no file a student receives may hold, and the scan that proves it.

Students receive two kinds of files: the release (``course/release/``) and
their feedback (``course/feedback/``). Neither may contain

* a line of any solution region: of any ``course_lib`` module, of any
  notebook cell, or a model answer of a reflection question;
* a line of any hidden test;
* a line of a grader-only file (``course_lib/_hidden.py``);
* anywhere, even inside a line, the capstone's hidden test seed
  (``autograder.capstone.secret_tokens``).

Lines shorter than :data:`~autograder.modules.MIN_EVIDENCE_CHARS` and lines that
also occur in open code (outside every region, in any module or notebook) are
not evidence of a leak: ``return out, cache`` or ``import numpy as np`` are
everywhere. The only exception to the list is the reference of an assignment
whose solutions the instructor chose to ship (``build --with-solutions-of``),
which releases after it may hold.
"""
from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from . import modules
from .manifest import GRADER_ONLY, function_owner, owners_of
from .paths import LIB, NOTEBOOKS


class LeakFound(modules.SolutionLeak):
    """A student-facing file holds a line it must not: the message names file and line."""


def _notebook_cells():
    import nbformat

    for nb_path in sorted(NOTEBOOKS.glob("*.ipynb")):
        for cell in nbformat.read(nb_path, as_version=4).cells:
            yield nb_path, cell


def _open_lines() -> set[str]:
    """Stripped lines written outside every solution and hidden-test region."""
    lines: set[str] = set()
    for path in LIB.rglob("*.py"):
        if modules.module_name(path) in GRADER_ONLY:
            continue
        lines |= modules.visible_lines(path.read_text(encoding="utf-8"))
    for _, cell in _notebook_cells():
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "markdown" and meta.get("solution"):
            continue
        lines |= modules.visible_lines(cell.source)
    return lines


def _shipped_texts(shipped: Collection[str]) -> list[str]:
    """The regions of the references an instructor chose to ship, as released."""
    if not shipped:
        return []
    texts = []
    for path in sorted(LIB.glob("*.py")):
        module = modules.module_name(path)
        if not owners_of(module):
            continue

        def decide(qualname, module=module):
            owner = function_owner(module, qualname)
            return "reference" if owner is not None and owner.name in shipped else "stub"

        texts.append(modules.transform_regions(path.read_text(encoding="utf-8"), decide))
    return texts


def open_lines(shipped: Collection[str] = ()) -> set[str]:
    """Stripped lines students may see: outside every region, plus shipped references."""
    lines = _open_lines()
    for text in _shipped_texts(shipped):
        lines |= {line.strip() for line in text.splitlines()}
    return lines


def solution_lines(open_text: set[str]) -> dict[str, str]:
    """Lines inside solution regions (modules and notebooks), and model answers."""
    found: dict[str, str] = {}
    for path in sorted(LIB.glob("*.py")):
        for line in modules.solution_lines(path.read_text(encoding="utf-8")):
            found.setdefault(line, f"a solution line of course_lib/{path.name}")
    for nb_path, cell in _notebook_cells():
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "markdown" and meta.get("solution"):
            for line in cell.source.splitlines():
                if len(line.strip()) >= modules.MIN_EVIDENCE_CHARS:
                    found.setdefault(line.strip(), f"a line of a model answer in {nb_path.name}")
        else:
            for line in modules.solution_lines(cell.source):
                found.setdefault(line, f"a solution line of {nb_path.name}")
    return {line: what for line, what in found.items() if line not in open_text}


def hidden_test_lines(open_text: set[str]) -> dict[str, str]:
    """Lines of hidden tests that appear nowhere in open code."""
    found: dict[str, str] = {}
    for nb_path, cell in _notebook_cells():
        for line in modules.hidden_test_lines(cell.source, open_text):
            found.setdefault(line, f"a hidden test line of {nb_path.name}")
    return found


def grader_only_lines(open_text: set[str]) -> dict[str, str]:
    """Every line of a grader-only module that open code does not also hold."""
    found: dict[str, str] = {}
    for name in GRADER_ONLY:
        for line in (LIB / f"{name}.py").read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if len(line) >= modules.MIN_EVIDENCE_CHARS and line not in open_text:
                found.setdefault(line, f"a line of the grader-only course_lib/{name}.py")
    return found


def forbidden_lines(shipped: Collection[str] = ()) -> dict[str, str]:
    """Every line no student-facing file may hold, mapped to what it is.

    ``shipped`` names assignments whose reference the instructor ships
    (``build --with-solutions-of``): their modules' lines count as open text.
    """
    open_text = open_lines(shipped)
    found = grader_only_lines(open_text)
    found.update(hidden_test_lines(open_text))
    found.update(solution_lines(open_text))
    return found


def scan(root: Path, forbidden: dict[str, str], tokens: dict[str, str] | None = None
         ) -> list[str]:
    """Problems under ``root`` (a release or feedback folder), one per file and line.

    ``tokens`` maps strings that must not occur anywhere in a file, not even
    inside a line (the capstone's hidden seed), to what they are.
    """
    if not Path(root).exists():
        return []
    return modules.scan_for_leaks(root, forbidden) + scan_for_tokens(root, tokens or {})


def scan_for_tokens(root: Path, tokens: dict[str, str]) -> list[str]:
    """Every file under ``root`` that contains one of ``tokens``, with the line."""
    problems = []
    if not tokens:
        return problems
    for path in sorted(p for p in Path(root).rglob("*") if p.is_file()):
        try:
            text = path.read_bytes().decode("utf-8", errors="replace")
        except OSError:
            continue
        for token, what in tokens.items():
            if token in text:
                number = text[:text.index(token)].count("\n") + 1
                problems.append(f"{path}:{number}: holds {what}")
    return problems


def refuse_leaks(roots: Collection[Path], forbidden: dict[str, str], what: str,
                 tokens: dict[str, str] | None = None) -> None:
    """Raise :class:`LeakFound` naming every leaking file and line under ``roots``."""
    refuse_problems([p for root in roots for p in scan(root, forbidden, tokens)], what)


def refuse_problems(problems: list[str], what: str) -> None:
    """Raise :class:`LeakFound` naming ``problems`` (found by :func:`scan`), if any."""
    if problems:
        shown = problems[:20] + ([f"... and {len(problems) - 20} more"]
                                 if len(problems) > 20 else [])
        raise LeakFound(f"{what} would hand out what students must not see:\n  "
                        + "\n  ".join(shown))
