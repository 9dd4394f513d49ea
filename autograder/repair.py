"""Ordinary slips in a submitted notebook, repaired so that the rest of it is graded.

nbgrader fails a whole notebook on slips that students make every semester: a
graded cell deleted, duplicated, or whose id was edited, and ``autograde``
stops with ``KeyError: 'grade_id'`` (nbgrader #1083, PR #1753) and a score of
0. Before nbgrader sees the notebook, the worker lines its graded cells up with
the assignment's, in the worker's private copy only:

* a cell whose nbgrader id is not one of the assignment's (edited), or a second
  copy of a cell (duplicated), runs as ordinary code and earns nothing;
* a cell of the assignment that is missing is put back where it belongs: a test
  cell as the assignment has it (nbgrader restores test cells anyway), an
  answer cell empty, as it was released;
* a notebook saved under another name is graded when it is the only one.

Each repair is one sentence, shown in the status and at the top of the
student's feedback.
"""
from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path

CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
ANSWER_STUB = "YOUR ANSWER HERE"


def _nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def _is_nbgrader_cell(cell) -> bool:
    meta = _nbgrader(cell)
    return bool(meta.get("grade") or meta.get("solution") or meta.get("locked")
                or meta.get("task"))


def notebooks_in(folder: Path) -> list[Path]:
    return sorted(p for p in Path(folder).glob("*.ipynb") if p.is_file())


def renamed_notebook(folder: Path, expected: str) -> Path | None:
    """The notebook to grade when ``expected`` is missing: the only other one, if any."""
    if (Path(folder) / expected).exists():
        return None
    found = notebooks_in(folder)
    return found[0] if len(found) == 1 else None


def restore_name(folder: Path, expected: str) -> str | None:
    """Rename a lone notebook saved under another name; return the sentence saying so."""
    other = renamed_notebook(folder, expected)
    if other is None:
        return None
    other.rename(Path(folder) / expected)
    return f"the notebook was submitted as {other.name!r} and was graded as {expected!r}"


def _released_form(cell, with_id: bool) -> dict:
    """A missing cell as students received it (never the instructor's answer)."""
    cell = copy.deepcopy(cell)
    meta = _nbgrader(cell)
    if meta.get("solution"):
        cell["source"] = CODE_STUB if cell["cell_type"] == "code" else ANSWER_STUB
    if cell["cell_type"] == "code":
        cell["outputs"], cell["execution_count"] = [], None
    if with_id:
        cell["id"] = uuid.uuid4().hex[:8]
    else:
        cell.pop("id", None)
    return cell


def _kind(cell) -> str:
    meta = _nbgrader(cell)
    if meta.get("solution"):
        return "answer cell"
    if meta.get("grade"):
        return "test cell"
    return "read-only cell"


def line_up(submitted: dict, source: dict) -> list[str]:
    """Make ``submitted``'s graded cells those of ``source``, in place; one sentence per slip."""
    wanted = [c for c in source["cells"] if _is_nbgrader_cell(c) and _nbgrader(c).get("grade_id")]
    by_id = {_nbgrader(c)["grade_id"]: c for c in wanted}
    order = list(by_id)
    with_ids = (submitted.get("nbformat", 4), submitted.get("nbformat_minor", 0)) >= (4, 5)
    repairs, seen, ids = [], set(), set()
    for cell in submitted["cells"]:
        if with_ids and (cell.get("id") in ids or not cell.get("id")):
            cell["id"] = uuid.uuid4().hex[:8]   # nbformat refuses a notebook with twin ids
        ids.add(cell.get("id"))
        if not _is_nbgrader_cell(cell) and not _nbgrader(cell).get("grade_id"):
            continue
        grade_id = _nbgrader(cell).get("grade_id")
        if grade_id in by_id and grade_id not in seen:
            seen.add(grade_id)
            continue
        cell["metadata"].pop("nbgrader", None)
        if grade_id is None:
            repairs.append("a graded cell had lost its nbgrader id; it ran as ordinary code")
        elif grade_id in seen:
            repairs.append(f"cell {grade_id} appeared twice; the second copy ran as "
                           "ordinary code")
        else:
            repairs.append(f"a cell carried the id {grade_id!r}, which is not one of this "
                           "assignment's (was it edited?); it ran as ordinary code")
    for position, grade_id in enumerate(order):
        if grade_id in seen:
            continue
        cell = by_id[grade_id]
        at = _insertion_index(submitted["cells"], order[:position], order[position + 1:])
        submitted["cells"].insert(at, _released_form(cell, with_ids))
        seen.add(grade_id)
        what = _kind(cell)
        if what == "answer cell":
            repairs.append(f"answer cell {grade_id} was missing; it was put back empty, "
                           "as released, and earns no points")
        elif what == "test cell":
            repairs.append(f"test cell {grade_id} was missing; it was put back from the "
                           "assignment and graded")
        else:
            repairs.append(f"read-only cell {grade_id} was missing; it was put back")
    return repairs


def _insertion_index(cells: list, before: list[str], after: list[str]) -> int:
    """Right after the nearest earlier cell of the assignment, else before the nearest later."""
    where = {_nbgrader(c).get("grade_id"): i for i, c in enumerate(cells)
             if _nbgrader(c).get("grade_id")}
    for grade_id in reversed(before):
        if grade_id in where:
            return where[grade_id] + 1
    for grade_id in after:
        if grade_id in where:
            return where[grade_id]
    return len(cells)


def repair(folder: Path, notebook: str, source_notebook: Path) -> list[str]:
    """Repair the submission in ``folder`` (a private copy) before ``autograde``."""
    repairs = []
    renamed = restore_name(folder, notebook)
    if renamed:
        repairs.append(renamed)
    path = Path(folder) / notebook
    if not path.exists() or not Path(source_notebook).exists():
        return repairs
    submitted = json.loads(path.read_text(encoding="utf-8"))
    source = json.loads(Path(source_notebook).read_text(encoding="utf-8"))
    fixed = line_up(submitted, source)
    if fixed:
        path.write_text(json.dumps(submitted, indent=1), encoding="utf-8")
    return repairs + fixed
