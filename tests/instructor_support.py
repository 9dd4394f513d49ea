"""Running the installed ``tdn`` command as an instructor would, and a class with slips."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from autograder.paths import venv_bin

A = "00_gradient_checking"


def tdn_path() -> Path:
    path = venv_bin() / "tdn"
    if not path.exists():
        pytest.fail("the tdn command is not installed in this environment: run `make venv` "
                    "(it runs `pip install -e .`)")
    return path


def clean_env(**extra: str) -> dict[str, str]:
    """The instructor's environment: no PYTHONPATH pointing into the checkout."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(extra)
    return env


def tdn(course_root: Path, *args: str, cwd: Path | None = None, timeout: float = 600,
        **env: str) -> subprocess.CompletedProcess:
    """``tdn --course-dir COURSE ARGS`` started from a directory outside the checkout."""
    where = cwd or course_root.parent
    return subprocess.run([str(tdn_path()), "--course-dir", str(course_root), *args],
                          cwd=where, env=clean_env(**env), capture_output=True, text=True,
                          timeout=timeout)


def error_lines(done: subprocess.CompletedProcess) -> list[str]:
    return [line for line in done.stderr.splitlines() if line.strip()]


# ------------------------------------------------------------------ slips
def _tests(nb):
    return [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade")
            and not c["metadata"]["nbgrader"].get("solution")]


def _answers(nb):
    return [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("solution")]


def _deleted(nb, folder, path):
    nb["cells"].remove(_tests(nb)[1])


def _duplicated(nb, folder, path):
    twin = json.loads(json.dumps(_tests(nb)[1]))
    twin["id"] = "twin0001"
    nb["cells"].insert(nb["cells"].index(_tests(nb)[1]) + 1, twin)


def _reid(nb, folder, path):
    _tests(nb)[1]["metadata"]["nbgrader"]["grade_id"] = "my_own_test"


def _no_answer(nb, folder, path):
    nb["cells"].remove(_answers(nb)[0])


def _renamed(nb, folder, path):
    path.write_text(json.dumps(nb))
    path.rename(folder / f"{A} (1).ipynb")


# student -> (how the perfect submission is changed, a word the repair sentence holds)
SLIPS = {
    "slip_deleted": (_deleted, "was missing; it was put back"),
    "slip_duplicated": (_duplicated, "appeared twice"),
    "slip_reid": (_reid, "'my_own_test'"),
    "slip_no_answer": (_no_answer, "answer cell"),
    "slip_renamed": (_renamed, f"submitted as '{A} (1).ipynb'"),
}


def write_slips(course) -> list[str]:
    """The perfect submission with one ordinary slip each (needs the sample class)."""
    base = course.submitted / "perfect" / A
    for student, (change, _) in SLIPS.items():
        dest = course.submitted / student / A
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(base, dest)
        path = dest / f"{A}.ipynb"
        nb = json.loads(path.read_text())
        change(nb, dest, path)
        if path.exists():
            path.write_text(json.dumps(nb))
    return list(SLIPS)
