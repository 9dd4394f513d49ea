"""Grade exactly the functions an assignment teaches in a module several assignments share.

The network (``course_lib/model.py``) is written in steps: its block, loop and
loss in 01, normalization and the skip in 03, dropout and the penalty in 04.
``Autograde.exclude_overwriting`` works per file, so a submission of 03 would
otherwise be graded with the student's own 01 functions, and a bug there would
cost points in 03. Before grading, :func:`keep_own_functions` rebuilds the
shared module from the assignment's source (the reference of every earlier
function, stubs of later ones) and puts back only the functions this
assignment teaches, as the student wrote them.
"""
from __future__ import annotations

import ast
from pathlib import Path

from . import modules
from .manifest import Assignment


def _segments(text: str) -> dict[str, tuple[int, int]]:
    """``qualname -> (first, last)`` line numbers (1-based) of every function and method."""
    return {q: (a, b) for q, a, b in modules.function_spans(text) if "<locals>" not in q}


def _new_top_level(source: str, submitted: str) -> list[str]:
    """Top-level imports and functions the student added (their helpers travel with them)."""
    known = {ast.unparse(node) for node in ast.parse(source).body
             if isinstance(node, (ast.Import, ast.ImportFrom))}
    names = {node.name for node in ast.parse(source).body
             if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))}
    lines = submitted.split("\n")
    added = []
    for node in ast.parse(submitted).body:
        if isinstance(node, (ast.Import, ast.ImportFrom)) and ast.unparse(node) not in known:
            added.append(ast.unparse(node))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name not in names:
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            added.append("\n".join(lines[first - 1:node.end_lineno]))
    return added


def keep_own_functions(source: str, submitted: str, own: tuple[str, ...]) -> tuple[str, list[str]]:
    """``source`` with each function of ``own`` replaced by the submitted one.

    Returns the text and a list of notes for the instructor: a function the
    submission does not define keeps the source's stub. A submission that does
    not parse is returned unchanged (importing it fails, as it would have).
    """
    try:
        theirs = _segments(submitted)
        extra = _new_top_level(source, submitted)
    except SyntaxError:
        return submitted, []
    # The source keeps this assignment's solution: never let it through.
    source = modules.transform_regions(source, lambda q: "stub" if q in own else "keep")
    ours = _segments(source)
    source_lines, their_lines = source.split("\n"), submitted.split("\n")
    notes = []
    replacements = []
    for qualname in own:
        if qualname not in ours:
            raise ValueError(f"the source has no function {qualname}")
        if qualname not in theirs:
            notes.append(f"{qualname} is missing from the submission")
            continue
        a, b = theirs[qualname]
        replacements.append((ours[qualname], their_lines[a - 1:b]))
    for (a, b), new in sorted(replacements, reverse=True):
        source_lines[a - 1:b] = new
    text = "\n".join(source_lines)
    if extra:
        text = text.rstrip("\n") + "\n\n\n# Added in the submission\n" + "\n\n\n".join(extra) + "\n"
    return text, notes


def prepare_submission(source_dir: Path, submission_dir: Path,
                       assignment: Assignment) -> list[str]:
    """Rewrite the shared modules of a submission in place; notes for the instructor."""
    notes = []
    for module in assignment.shared_modules:
        submitted = Path(submission_dir) / "course_lib" / f"{module}.py"
        source = Path(source_dir) / "course_lib" / f"{module}.py"
        own = assignment.functions_of(module)
        if not submitted.exists():
            submitted.parent.mkdir(parents=True, exist_ok=True)
            submitted.write_text("", encoding="utf-8")
        text, missing = keep_own_functions(source.read_text(encoding="utf-8"),
                                           submitted.read_text(encoding="utf-8"), own)
        submitted.write_text(text, encoding="utf-8")
        notes += [f"course_lib/{module}.py: {note}" for note in missing]
    return notes
