"""Which assignment teaches which ``course_lib`` modules.

The order is the order of the course. A module listed under an assignment holds
the solution regions students fill in for that assignment. Every release ships
every such module as a stub, whichever assignment teaches it: no release holds
an answer (unless the instructor opts in, ``build --with-solutions-of``).
Students carry their own finished modules forward (``course_lib/carry.py``);
grading restores the reference of every module the assignment does not teach.
Every other module of ``course_lib`` is *given*: it ships complete everywhere.
``GRADER_ONLY`` modules never ship; ``autograde`` restores them from the source.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Assignment:
    name: str
    modules: tuple[str, ...]

    @property
    def notebook(self) -> str:
        return f"{self.name}.ipynb"

    @property
    def student_files(self) -> list[str]:
        """Paths (relative to the assignment folder) that students edit."""
        return [f"course_lib/{m}.py" for m in self.modules]


ASSIGNMENTS: tuple[Assignment, ...] = (
    Assignment("00_gradient_checking", ("gradcheck", "layers", "losses")),
    Assignment("01_activations", ("activations",)),
    Assignment("02_initialization", ("init",)),
    Assignment("03_batch_normalization", ("normalization",)),
    Assignment("04_regularization", ("regularization",)),
    Assignment("05_optimizers", ("optim",)),
    Assignment("06_lr_schedules", ("schedules",)),
    Assignment("07_babysitting", ("babysit",)),
)

GRADER_ONLY = ("_hidden",)


def by_name(name: str) -> Assignment:
    for a in ASSIGNMENTS:
        if a.name == name:
            return a
    known = ", ".join(a.name for a in ASSIGNMENTS)
    raise KeyError(f"unknown assignment {name!r}; known: {known}")


def owner_of(module: str) -> Assignment | None:
    """The assignment whose students implement ``module`` (None if given)."""
    for a in ASSIGNMENTS:
        if module in a.modules:
            return a
    return None
