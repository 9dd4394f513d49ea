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
    #: Functions this assignment teaches in a module several assignments share,
    #: as ``"module:qualname"`` (``"model:FullyConnectedNet.loss"``).
    functions: tuple[str, ...] = ()

    @property
    def notebook(self) -> str:
        return f"{self.name}.ipynb"

    @property
    def shared_modules(self) -> tuple[str, ...]:
        """Shared modules in which this assignment teaches some functions."""
        return tuple(dict.fromkeys(f.split(":")[0] for f in self.functions))

    def functions_of(self, module: str) -> tuple[str, ...]:
        """Qualified names of the functions this assignment teaches in ``module``."""
        return tuple(f.split(":")[1] for f in self.functions if f.split(":")[0] == module)

    @property
    def student_files(self) -> list[str]:
        """Paths (relative to the assignment folder) that students edit."""
        return [f"course_lib/{m}.py" for m in self.modules + self.shared_modules]


# The network (course_lib/model.py) is written where each of its steps is taught:
# the block, the loop and the loss where the network first appears (01), the
# normalization and the skip in 03, dropout and the penalty in 04.
_NET = "model:FullyConnectedNet."

ASSIGNMENTS: tuple[Assignment, ...] = (
    Assignment("00_gradient_checking", ("gradcheck", "layers", "losses")),
    Assignment("01_activations", ("activations",), (
        _NET + "_hidden_forward", _NET + "_hidden_backward", _NET + "_forward", _NET + "loss",
        "model:network_gradient_check")),
    Assignment("02_initialization", ("init",)),
    Assignment("03_batch_normalization", ("normalization", "preprocessing"), (
        _NET + "_normalize_forward", _NET + "_normalize_backward", _NET + "_skip_forward",
        _NET + "_skip_backward")),
    Assignment("04_regularization", ("regularization",), (
        _NET + "_dropout_forward", _NET + "_dropout_backward", _NET + "_penalty")),
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
    """The assignment whose students implement all of ``module`` (None if given or shared)."""
    for a in ASSIGNMENTS:
        if module in a.modules:
            return a
    return None


def owners_of(module: str) -> list[Assignment]:
    """Every assignment that teaches some of ``module``, in course order."""
    return [a for a in ASSIGNMENTS if module in a.modules or module in a.shared_modules]


def is_shared(module: str) -> bool:
    return any(module in a.shared_modules for a in ASSIGNMENTS)


def function_owner(module: str, qualname: str) -> Assignment | None:
    """The assignment that teaches ``qualname`` of ``module`` (the module's owner if whole)."""
    whole = owner_of(module)
    if whole is not None:
        return whole
    for a in ASSIGNMENTS:
        if qualname in a.functions_of(module):
            return a
    return None


def index(assignment: Assignment | str) -> int:
    name = assignment if isinstance(assignment, str) else assignment.name
    return [a.name for a in ASSIGNMENTS].index(name)
