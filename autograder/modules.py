"""Turn a ``course_lib`` module with solution regions into its three shipped forms.

* ``solution``: unchanged, markers and all (the assignment's own source copy);
* ``reference``: the markers removed, the solution kept (earlier assignments);
* ``stub``: each region replaced by nbgrader's own code stub
  (``# YOUR CODE HERE`` / ``raise NotImplementedError()``), at the region's
  indentation. This reuses ``ClearSolutions._replace_solution_region`` so a
  ``.py`` file is cleared exactly like a notebook cell; it is a private method,
  which is why nbgrader is pinned and ``tests/test_modules.py`` covers it.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
from nbgrader.preprocessors import ClearSolutions

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"
LEAK_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


class SolutionLeak(RuntimeError):
    """A released file still holds a solution region or a hidden test."""


def has_solution(text: str) -> bool:
    return BEGIN_SOLUTION in text


def stub(text: str) -> str:
    """Replace every solution region of a module's text with the code stub."""
    cell = nbformat.v4.new_code_cell(source=text)
    ClearSolutions()._replace_solution_region(cell, "python")
    if any(marker in cell.source for marker in LEAK_MARKERS):
        raise SolutionLeak("a solution marker survived clearing: is a region unbalanced?")
    return cell.source


def reference(text: str) -> str:
    """Keep the solution, drop the marker lines."""
    kept = [line for line in text.split("\n")
            if BEGIN_SOLUTION not in line and END_SOLUTION not in line]
    return "\n".join(kept)


STUB_LINES = ("# YOUR CODE HERE", "raise NotImplementedError()")


def function_spans(text: str) -> list[tuple[str, int, int]]:
    """``(qualname, first line, last line)`` of every function (1-based, decorators included)."""
    import ast

    spans = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = min([child.lineno] + [d.lineno for d in child.decorator_list])
                spans.append((f"{prefix}{child.name}", first, child.end_lineno))
                visit(child, f"{prefix}{child.name}.<locals>.")
    visit(ast.parse(text), "")
    return spans


def region_functions(text: str) -> list[str]:
    """The qualified name of the function around each solution region, in order.

    A region outside every function belongs to ``"<module>"``; nested functions
    count as their outermost enclosing function.
    """
    spans = [(q, a, b) for q, a, b in function_spans(text) if "<locals>" not in q]
    owners = []
    for number, line in enumerate(text.split("\n"), start=1):
        if BEGIN_SOLUTION in line:
            around = [(b - a, q) for q, a, b in spans if a <= number <= b]
            owners.append(min(around)[1] if around else "<module>")
    return owners


def transform_regions(text: str, decide) -> str:
    """Rewrite each solution region by ``decide(qualname) -> 'keep' | 'stub' | 'reference'``.

    ``'stub'`` writes nbgrader's code stub at the region's indentation (exactly
    what :func:`stub` writes), ``'reference'`` drops the markers and keeps the
    solution, ``'keep'`` leaves the region as it is.
    """
    owners = iter(region_functions(text))
    out, action = [], None
    for line in text.split("\n"):
        if BEGIN_SOLUTION in line:
            action = decide(next(owners))
            if action == "keep":
                out.append(line)
            elif action == "stub":
                indent = line[:len(line) - len(line.lstrip())]
                out += [indent + stub_line for stub_line in STUB_LINES]
            elif action != "reference":
                raise ValueError(f"unknown region action {action!r}")
        elif END_SOLUTION in line:
            if action == "keep":
                out.append(line)
            action = None
        elif action != "stub":
            out.append(line)
    return "\n".join(out)


def split_lines(text: str) -> tuple[set[str], set[str]]:
    """Stripped code lines ``(inside, outside)`` solution regions; comments skipped."""
    inside, outside = set(), set()
    in_region = False
    for line in text.split("\n"):
        if BEGIN_SOLUTION in line:
            in_region = True
            continue
        if END_SOLUTION in line:
            in_region = False
            continue
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        (inside if in_region else outside).add(s)
    return inside, outside


MIN_EVIDENCE_CHARS = 10


def solution_lines(*texts: str) -> set[str]:
    """Lines that occur inside solution regions of ``texts`` and nowhere outside them.

    These are the lines a released copy must never contain. Lines also written
    outside a region in any of the texts (``return out, cache`` after the
    region, an ``else:``) and lines shorter than ``MIN_EVIDENCE_CHARS`` are not
    evidence of a leak and are left out.
    """
    inside, outside = set(), set()
    for text in texts:
        i, o = split_lines(text)
        inside |= i
        outside |= o
    return {s for s in inside - outside if len(s) >= MIN_EVIDENCE_CHARS}


def hidden_test_lines(source: str, outside: set[str] | None = None) -> set[str]:
    """Stripped, non-trivial lines inside ``### BEGIN HIDDEN TESTS`` regions.

    Lines that also occur in ``outside`` (or outside the regions of ``source``)
    are ordinary code shared with visible cells, not evidence of a leak.
    """
    lines, seen_outside, in_region = set(), set(outside or ()), False
    for line in source.split("\n"):
        if BEGIN_HIDDEN in line:
            in_region = True
            continue
        if END_HIDDEN in line:
            in_region = False
            continue
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        (lines if in_region else seen_outside).add(s)
    return {s for s in lines - seen_outside if len(s) >= MIN_EVIDENCE_CHARS}


def visible_lines(source: str) -> set[str]:
    """Stripped lines of ``source`` outside hidden-test and solution regions."""
    kept, in_region = set(), False
    for line in source.split("\n"):
        if BEGIN_HIDDEN in line or BEGIN_SOLUTION in line:
            in_region = True
            continue
        if END_HIDDEN in line or END_SOLUTION in line:
            in_region = False
            continue
        if not in_region and line.strip():
            kept.add(line.strip())
    return kept


def readable_text(path: Path, text: str) -> str:
    """What a person sees in a file: a notebook's cell sources and outputs, an HTML page's
    text without its tags (syntax highlighting splits a code line into many spans)."""
    if path.suffix == ".ipynb":
        try:
            nb = nbformat.reads(text, as_version=4)
        except Exception:  # an unreadable notebook is scanned as text
            return text
        parts = []
        for cell in nb.cells:
            parts.append(cell.source)
            for out in cell.get("outputs", []):
                parts.append(str(out.get("text", "")))
                parts += [str(v) for v in out.get("data", {}).values()]
                parts += list(out.get("traceback", []))
        return "\n".join(parts)
    if path.suffix in (".html", ".htm"):
        return html.unescape(re.sub(r"<[^>]+>", "", text))
    return text


def scan_for_leaks(root: Path, forbidden_lines=frozenset()) -> list[str]:
    """Every problem found under ``root``: markers, or forbidden lines, by file and line.

    ``forbidden_lines`` is a set of stripped lines, or a mapping from each line
    to what it is (``"a solution line of course_lib/optim.py"``), which the
    problem then names.
    """
    problems = []
    for path in sorted(p for p in Path(root).rglob("*") if p.is_file()):
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for marker in LEAK_MARKERS:
            if marker in text:
                problems.append(f"{path}: contains '{marker}'")
        if not forbidden_lines:
            continue
        for number, line in enumerate(readable_text(path, text).split("\n"), start=1):
            line = line.strip()
            if line in forbidden_lines:
                what = (forbidden_lines[line] if isinstance(forbidden_lines, dict)
                        else "a solution line")
                problems.append(f"{path}:{number}: holds {what}: {line!r}")
    return problems


def module_name(path: Path) -> str:
    return re.sub(r"\.py$", "", Path(path).name)
