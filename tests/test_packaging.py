"""The course installs like a tool: ``pip install .`` packages the grader and nothing students
write; ``tdn`` runs from any directory; the demo keeps to a directory of its own."""
from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile

import pytest

from autograder.paths import REPO, Course, venv_bin

from instructor_support import clean_env, error_lines, tdn, tdn_path


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    leftovers = [REPO / "build", *REPO.glob("*.egg-info")]
    existed = {p for p in leftovers if p.exists()}
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                           str(out), str(REPO)],
                          cwd=out, env=clean_env(), capture_output=True, text=True, timeout=300)
    for path in [REPO / "build", *REPO.glob("*.egg-info")]:
        if path not in existed:   # setuptools builds in the checkout
            shutil.rmtree(path, ignore_errors=True)
    assert done.returncode == 0, done.stderr[-2000:]
    (path,) = out.glob("*.whl")
    with zipfile.ZipFile(path) as zf:
        return zf.namelist(), {n: zf.read(n).decode() for n in zf.namelist()
                               if n.endswith(("entry_points.txt", "METADATA"))}


def test_the_wheel_holds_the_grader_and_what_a_worker_runs(wheel):
    names, _ = wheel
    for module in ("cli", "coordinator", "worker", "jobs", "probes", "sandbox", "verify"):
        assert f"autograder/{module}.py" in names


def test_the_wheel_holds_nothing_students_write_nor_the_hidden_tests(wheel):
    names, _ = wheel
    assert not [n for n in names if n.startswith(("course_lib/", "notebooks/", "tests/"))
                or n.endswith((".ipynb", "_hidden.py"))]


def test_the_console_command_is_tdn_and_development_tools_are_an_extra(wheel):
    _, texts = wheel
    (entry,) = [t for n, t in texts.items() if n.endswith("entry_points.txt")]
    assert "tdn = autograder.cli:entry" in entry
    (meta,) = [t for n, t in texts.items() if n.endswith("METADATA")]
    runtime = [line for line in meta.splitlines() if line.startswith("Requires-Dist:")
               and "extra ==" not in line]
    dev = [line for line in meta.splitlines() if "extra == \"dev\"" in line]
    assert any("nbgrader==0.9.6" in line for line in runtime)
    assert any("pytest" in line for line in dev)
    assert not any("pytest" in line or "nbval" in line for line in runtime)


def test_tdn_runs_from_any_directory(tmp_path):
    done = subprocess.run([str(tdn_path()), "--help"], cwd=tmp_path, env=clean_env(),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "grade" in done.stdout


def test_the_installed_course_does_not_make_course_lib_importable(tmp_path):
    """A submission without its own course_lib must never import the solution."""
    done = subprocess.run([str(venv_bin() / "python"), "-c", "import course_lib"],
                          cwd=tmp_path, env=clean_env(), capture_output=True, text=True)
    assert done.returncode != 0 and "No module named 'course_lib'" in done.stderr


def test_the_demo_never_writes_into_a_course_with_real_students(tmp_path):
    real = Course(tmp_path / "course")
    (real.submitted / "alice" / "00_gradient_checking").mkdir(parents=True)
    done = tdn(real.root, "demo")
    assert done.returncode == 2
    (line,) = error_lines(done)
    assert "holds real submissions (alice" in line
    assert not real.release.exists()


def test_the_demo_has_its_own_directory():
    assert Course.demo().root != Course.default().root
    assert Course.demo().root.name == "demo-course"


def test_the_installed_grader_reaches_the_reference_library_it_needs(tmp_path):
    """07's sample class and the capstone's hidden test set use the instructor's course_lib,
    imported by path, from a process where ``import course_lib`` alone fails."""
    script = ("from autograder import capstone, sample_class\n"
              "config = sample_class.reference_capstone_config()\n"
              "X, y = capstone.hidden_test_set(7, 20)\n"
              "print(sorted(config)[:2], X.shape, y.shape)\n"
              "import sys\n"
              "print(all(not p.endswith('course_lib') for p in sys.path))\n")
    done = subprocess.run([str(venv_bin() / "python"), "-c", script], cwd=tmp_path, env=clean_env(),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    first, second = done.stdout.splitlines()
    assert "(20, 40) (20,)" in first
    assert second == "True"
