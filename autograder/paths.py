"""Where the course lives on disk."""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LIB = REPO / "course_lib"
NOTEBOOKS = REPO / "notebooks"


@dataclass(frozen=True)
class Course:
    """An nbgrader course directory (``course/`` by default)."""

    root: Path

    @classmethod
    def default(cls) -> "Course":
        return cls(Path(os.environ.get("COURSE_DIR", REPO / "course")).resolve())

    @classmethod
    def demo(cls) -> "Course":
        """The demo's own course (``demo-course/``): the sample class never mixes with a real one."""
        return cls(Path(os.environ.get("COURSE_DEMO_DIR", REPO / "demo-course")).resolve())

    @property
    def source(self) -> Path:
        return self.root / "source"

    @property
    def release(self) -> Path:
        return self.root / "release"

    @property
    def submitted(self) -> Path:
        return self.root / "submitted"

    @property
    def autograded(self) -> Path:
        return self.root / "autograded"

    @property
    def feedback(self) -> Path:
        return self.root / "feedback"

    @property
    def exports(self) -> Path:
        return self.root / "exports"

    @property
    def gradebook(self) -> Path:
        return self.root / "gradebook.db"

    @property
    def db_url(self) -> str:
        """The gradebook's SQLAlchemy URL: ``gradebook.db`` here, or the database named
        in the course's ``gradebook_url`` file (see :mod:`autograder.gradebook`)."""
        from .gradebook import url_of

        return url_of(self.root)


def venv_bin() -> Path:
    """The ``bin`` directory of the running interpreter (nbgrader shells out to alembic)."""
    return Path(sys.executable).parent


def nbgrader_env() -> dict[str, str]:
    """Environment for nbgrader and its kernels: no inherited PYTHONPATH.

    A kernel must import the ``course_lib`` copy that sits beside the notebook
    being graded and nothing else; an inherited PYTHONPATH pointing at the
    repository would let a submission without its own copy import the solution.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PATH"] = f"{venv_bin()}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("PYTHONHASHSEED", "0")
    env["MPLBACKEND"] = "Agg"
    # Small matrices on a laptop: BLAS threads only fight each other (and the
    # other grading workers); one thread per kernel is 10-40x faster here.
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    env.setdefault("OMP_NUM_THREADS", "1")
    return env
