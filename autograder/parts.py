"""Everything one assignment is made of, found from its name: ``tdn parts 03_batch_normalization``.

An assignment is spread over the places its kind of code belongs in; this
module gathers them so that nothing is forgotten when one is added or changed
(README, *Adding an assignment*):

1. the instructor notebook ``notebooks/<name>.ipynb`` (nbgrader source);
2. its entry in :data:`autograder.manifest.ASSIGNMENTS` (which modules it teaches);
3. each module ``course_lib/<module>.py`` with its solution regions;
4. the visible checks ``course_lib/checks/<module>.py``;
5. a trusted probe per graded cell in :mod:`autograder.probes` (same name as the
   cell's ``grade_id``; one per function for a cell that grades several);
6. the sample class's plausible mistake in :data:`autograder.sample_class.BUGS`;
7. each graded cell's difficulty class, and so its points, in :mod:`autograder.points`.

:func:`missing` lists what is not there; ``tests/test_grader_structure.py``
runs it for every assignment.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .manifest import Assignment, by_name
from .paths import LIB, NOTEBOOKS


@dataclass(frozen=True)
class Parts:
    assignment: Assignment
    notebook: Path
    modules: tuple[Path, ...]
    checks: tuple[Path, ...]
    graded_cells: tuple[str, ...]
    probes: tuple[str, ...]
    sample_bug: str | None


def graded_code_cells(notebook: Path) -> list[str]:
    if not notebook.exists():
        return []
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    return [c["metadata"]["nbgrader"]["grade_id"] for c in nb["cells"]
            if c["cell_type"] == "code" and c.get("metadata", {}).get("nbgrader", {}).get("grade")]


def checks_of(assignment: Assignment) -> tuple[Path, ...]:
    """The visible checks of the assignment: ``checks/<module>.py`` (00: ``gradients.py``)."""
    from .build import check_owner

    return tuple(sorted(p for p in (LIB / "checks").glob("*.py")
                        if check_owner(p.stem) == assignment))


def parts(name: str) -> Parts:
    from .probes import GRADED_ELSEWHERE
    from .verify import probes_of
    from .sample_class import BUGS

    assignment = by_name(name)
    notebook = NOTEBOOKS / assignment.notebook
    graded = tuple(graded_code_cells(notebook))
    bug = BUGS.get(name)
    return Parts(assignment=assignment, notebook=notebook,
                 modules=tuple(LIB / f"{m}.py"
                               for m in assignment.modules + assignment.shared_modules),
                 checks=checks_of(assignment), graded_cells=graded,
                 probes=tuple(g for g in graded if probes_of(g) or g in GRADED_ELSEWHERE),
                 sample_bug=f"{bug.module}: {bug.what}" if bug else None)


def missing(name: str) -> list[str]:
    """What assignment ``name`` still lacks, one line each (empty when complete)."""
    from .modules import has_solution
    from .points import CELLS

    p = parts(name)
    gaps = []
    if not p.notebook.exists():
        gaps.append(f"no notebook {p.notebook}")
    for module in p.modules:
        if not module.exists():
            gaps.append(f"no module {module}")
        elif not has_solution(module.read_text(encoding="utf-8")):
            gaps.append(f"{module} has no solution region")
    if not p.checks:
        gaps.append(f"no visible checks in {LIB / 'checks'} for {', '.join(p.assignment.modules)}")
    if p.notebook.exists() and not p.graded_cells:
        gaps.append(f"{p.notebook} has no graded test cell")
    for cell in p.graded_cells:
        if cell not in p.probes:
            gaps.append(f"graded cell {cell} has no probe in autograder/probes.py")
        if cell not in CELLS:
            gaps.append(f"graded cell {cell} has no difficulty class in autograder/points.py")
    if p.sample_bug is None:
        gaps.append(f"no sample bug for {name} in autograder/sample_class.py BUGS")
    return gaps


def points_line(cells) -> str:
    from .points import CELLS

    known = [CELLS[c].points for c in cells if c in CELLS]
    return f"{sum(known)} graded automatically, by difficulty" if known else "-"


def describe(name: str) -> str:
    p = parts(name)
    lines = [f"{name}",
             f"  notebook     {p.notebook}",
             f"  modules      {', '.join(str(m) for m in p.modules)}",
             f"  checks       {', '.join(str(c) for c in p.checks) or '-'}",
             f"  graded cells {', '.join(p.graded_cells) or '-'}",
             f"  points       {points_line(p.graded_cells)} (autograder/points.py)",
             f"  probes       {len(p.probes)} of {len(p.graded_cells)} graded cells "
             "(autograder/probes.py)",
             f"  sample bug   {p.sample_bug or '-'} (autograder/sample_class.py BUGS)"]
    lines += [f"  MISSING: {gap}" for gap in missing(name)]
    return "\n".join(lines)
