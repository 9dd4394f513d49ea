"""JupyterLab as a student sees it: ``make lab`` / ``tdn student-lab``.

The student works in ``course/student/`` (a copy of the release that is never
overwritten). nbgrader's ``pip install`` enables all of its JupyterLab
extensions for everybody; the instructor-only ones (formgrader and the
create-assignment cell toolbar) are switched off for the student's server
through an extra Jupyter config directory put first on ``JUPYTER_CONFIG_PATH``.
Nothing in the virtual environment or in the user's ``~/.jupyter`` changes,
and the student keeps Validate and the assignment list.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import NoReturn

from .paths import Course, nbgrader_env, venv_bin

# Front-end plugins (page_config "disabledExtensions") and server extensions
# that only make sense for an instructor.
INSTRUCTOR_LABEXTENSIONS = ("@jupyter/nbgrader:formgrader",
                            "@jupyter/nbgrader:create-assignment",
                            "@jupyter/nbgrader:course-list")
INSTRUCTOR_SERVER_EXTENSIONS = ("nbgrader.server_extensions.formgrader",)


def student_root(course: Course) -> Path:
    return course.root / "student"


def config_dir(course: Course) -> Path:
    """Where the student server's extra Jupyter config lives (outside the student's files)."""
    return course.root / ".student-lab" / "config"


def write_config(directory: Path) -> Path:
    """Write a Jupyter config directory that disables the instructor-only extensions."""
    directory = Path(directory)
    (directory / "labconfig").mkdir(parents=True, exist_ok=True)
    (directory / "labconfig" / "page_config.json").write_text(json.dumps(
        {"disabledExtensions": {name: True for name in INSTRUCTOR_LABEXTENSIONS}}, indent=2))
    server_d = directory / "jupyter_server_config.d"
    server_d.mkdir(exist_ok=True)
    (server_d / "course-student-lab.json").write_text(json.dumps(
        {"ServerApp": {"jpserver_extensions": {name: False
                                               for name in INSTRUCTOR_SERVER_EXTENSIONS}}},
        indent=2))
    return directory


def environment(directory: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a student server: ``directory`` first on ``JUPYTER_CONFIG_PATH``.

    It starts from :func:`autograder.paths.nbgrader_env` (no inherited
    PYTHONPATH), so a notebook imports the ``course_lib`` beside it and never
    the repository's solution.
    """
    env = dict(nbgrader_env() if base is None else base)
    env.pop("MPLBACKEND", None)  # the notebooks choose their own (inline) backend
    extra = env.get("JUPYTER_CONFIG_PATH")
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join([str(directory)] + ([extra] if extra else []))
    return env


def command(*extra: str) -> list[str]:
    """``jupyter lab`` of this virtual environment (``--allow-root`` in a root container)."""
    root = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    return [str(venv_bin() / "jupyter"), "lab", *root, *extra]


def launch(course: Course) -> NoReturn:
    """Replace this process by JupyterLab on ``course/student`` with the student config."""
    directory = write_config(config_dir(course))
    root = student_root(course)
    argv = command(f"--ServerApp.root_dir={root}")
    os.chdir(root)
    os.execve(argv[0], argv, environment(directory))
