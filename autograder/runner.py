"""nbgrader's Python API, configured for this course, in the current process.

Starting the ``nbgrader`` command costs about 4.5 s of imports on a laptop CPU;
a class of 60 students × 8 assignments would spend over an hour just starting
it for autograde and feedback. The API pays that once per process.
"""
from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

from .paths import Course, nbgrader_env


class NbGrader:
    """One course directory's nbgrader, with ``autograder/nbgrader_config.py`` applied."""

    def __init__(self, course: Course, limits: "Limits | None" = None,
                 notebook_dir: Path | None = None):
        """``limits`` and ``notebook_dir`` (the one folder the kernel may see) turn on
        the grading kernel of :mod:`autograder.sandbox`; without them notebooks run
        in the plain ``python3`` kernel (building the course needs no kernel)."""
        from nbgrader.apps import NbGraderAPI
        from nbgrader.coursedir import CourseDirectory
        from traitlets.config import Config

        from .nbgrader_config import configure

        # Kernels inherit this process's environment: make it the grading one.
        env = nbgrader_env()
        os.environ.clear()
        os.environ.update(env)
        self.course = course
        config = Config()
        configure(config, course.root)
        if limits is not None and notebook_dir is not None:
            from .sandbox import KERNEL_NAME, install_kernelspec

            runtime = course.root / "runtime"
            runtime.mkdir(parents=True, exist_ok=True)
            install_kernelspec(course.root / "jupyter", notebook_dir, runtime, limits)
            os.environ["JUPYTER_PATH"] = str(course.root / "jupyter")
            os.environ["JUPYTER_RUNTIME_DIR"] = str(runtime)
            config.Execute.kernel_name = KERNEL_NAME
            config.Execute.timeout = limits.cell_timeout
            # Unix sockets in the runtime folder: the sandbox has no network.
            config.KernelManager.transport = "ipc"
            config.KernelManager.ip = str(runtime / "kernel")
            # jupyter_client writes the connection file to the system temp folder,
            # which the sandbox replaces with its own; keep it in the bound folder.
            # One job grades one notebook, so one kernel at a time uses this name.
            config.KernelManager.connection_file = str(runtime / "kernel.json")
        self.coursedir = CourseDirectory(config=config)
        self.api = NbGraderAPI(coursedir=self.coursedir, config=config)
        self.api.log.setLevel(logging.WARNING)
        # nbgrader's own gradebook code trips SQLAlchemy's autoflush warning on
        # every new submission; it is harmless and would bury real messages.
        warnings.filterwarnings("ignore", message=".*not in session.*")

    def _run(self, name: str, call, *args, **kwargs) -> dict:
        """Run one API call with this process's stderr (and its kernels') sent to a log."""
        logs = self.course.root / "logs"
        logs.mkdir(exist_ok=True)
        stderr_log = logs / f"{name}.stderr"
        with stderr_log.open("w") as sink:
            saved = os.dup(2)
            os.dup2(sink.fileno(), 2)
            try:
                result = call(*args, **kwargs)
            finally:
                os.dup2(saved, 2)
                os.close(saved)
        text = result.get("log", "") + ("\n" + result["error"] if result.get("error") else "")
        text += "\n" + stderr_log.read_text()
        (logs / f"{name}.log").write_text(text)
        result["text"] = text
        return result

    def generate_assignment(self, assignment: str) -> dict:
        return self._run(f"generate_{assignment}", self.api.generate_assignment, assignment,
                         force=True, create=True)

    def autograde(self, assignment: str, student: str) -> dict:
        return self._run(f"autograde_{student}_{assignment}", self.api.autograde, assignment,
                         student, force=True, create=True)

    def generate_feedback(self, assignment: str, student: str,
                          withdrawn: dict[str, str] | None = None,
                          repairs: list[str] | None = None,
                          capstone: dict[str, dict] | None = None) -> dict:
        """Feedback pages; ``withdrawn`` (grade_id -> reason), ``repairs`` (sentences) and
        ``capstone`` (grade_id -> the capstone's verdict) reach
        :class:`~autograder.feedback.StudentFeedback` as configuration."""
        self.api.config.StudentFeedback.withdrawn = dict(withdrawn or {})
        self.api.config.StudentFeedback.repairs = list(repairs or [])
        self.api.config.StudentFeedback.capstone = dict(capstone or {})
        return self._run(f"feedback_{student}_{assignment}", self.api.generate_feedback,
                         assignment, student, force=True)


_cache: dict[Path, NbGrader] = {}


def nbgrader_for(course: Course) -> NbGrader:
    root = Path(course.root).resolve()
    if root not in _cache:
        _cache[root] = NbGrader(course)
    return _cache[root]
