"""Build the nbgrader course from the repository and release every assignment.

For each assignment the build assembles ``course/source/<assignment>/``: the
instructor notebook and a copy of ``course_lib`` in which

* the assignment's own modules keep their solution regions (nbgrader's source),
* modules of earlier assignments are the reference (markers dropped),
* modules of later assignments are stubs,
* given modules are copied as they are, grader-only modules included.

``nbgrader generate_assignment`` then writes ``course/release/<assignment>/``;
its post-convert hook strips the released ``.py`` files, and the build checks
the result again (markers, and every line of every reference solution) because
nbgrader swallows a failing hook.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from . import modules
from .hooks import clear_release
from .manifest import ASSIGNMENTS, Assignment, owner_of
from .nbgrader_config import write_shim
from .paths import LIB, NOTEBOOKS, REPO, Course
from .runner import nbgrader_for


class BuildError(RuntimeError):
    pass


def module_text_for(assignment: Assignment, path: Path) -> str:
    """The text of one ``course_lib`` module as it goes into ``assignment``'s source."""
    text = path.read_text(encoding="utf-8")
    owner = owner_of(modules.module_name(path))
    if owner is None:
        if modules.has_solution(text):
            raise BuildError(f"{path} has solution regions but no assignment in "
                             "autograder/manifest.py teaches it")
        return text
    position = [a.name for a in ASSIGNMENTS]
    if owner == assignment:
        if not modules.has_solution(text):
            raise BuildError(f"{path} is taught in {assignment.name} but has no solution region")
        return text
    if position.index(owner.name) < position.index(assignment.name):
        return modules.reference(text)
    return modules.stub(text)


def assemble_source(course: Course, assignment: Assignment) -> Path:
    notebook = NOTEBOOKS / assignment.notebook
    if not notebook.exists():
        raise BuildError(f"missing instructor notebook {notebook}")
    dest = course.source / assignment.name
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "course_lib").mkdir(parents=True)
    shutil.copy2(notebook, dest / assignment.notebook)
    for path in sorted(LIB.glob("*.py")):
        (dest / "course_lib" / path.name).write_text(module_text_for(assignment, path),
                                                     encoding="utf-8")
    # Subpackages (the visible checks) are given: copied whole, never holding a solution.
    for package in sorted(p for p in LIB.iterdir() if p.is_dir() and p.name != "__pycache__"):
        for path in package.rglob("*.py"):
            if modules.has_solution(path.read_text(encoding="utf-8")):
                raise BuildError(f"{path}: subpackages of course_lib are given code and must "
                                 "not hold solution regions")
        shutil.copytree(package, dest / "course_lib" / package.name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return dest


def all_solution_lines() -> set[str]:
    """Every line of every reference solution, in modules and notebooks."""
    import nbformat

    texts = [path.read_text(encoding="utf-8") for path in LIB.glob("*.py")]
    for nb_path in NOTEBOOKS.glob("*.ipynb"):
        texts += [cell.source for cell in nbformat.read(nb_path, as_version=4).cells]
    return modules.solution_lines(*texts)


def build(course: Course | None = None, names: list[str] | None = None,
          echo=print) -> Course:
    """Assemble the source tree, write the config and release the assignments."""
    course = course or Course.default()
    course.root.mkdir(parents=True, exist_ok=True)
    write_shim(course.root, REPO)
    chosen = [a for a in ASSIGNMENTS if not names or a.name in names]
    forbidden = all_solution_lines()
    for assignment in chosen:
        if not (NOTEBOOKS / assignment.notebook).exists():
            echo(f"  skip {assignment.name}: no notebook yet")
            continue
        assemble_source(course, assignment)
        result = nbgrader_for(course).generate_assignment(assignment.name)
        if not result["success"]:
            raise BuildError(f"nbgrader generate_assignment {assignment.name} failed:\n"
                             + result["text"][-4000:])
        release = course.release / assignment.name
        # The hook has run inside nbgrader; nbgrader hides its failures, so
        # clear again (idempotent) and scan with the full list of solution lines.
        clear_release(release)
        problems = modules.scan_for_leaks(release, forbidden)
        if problems:
            raise modules.SolutionLeak("release leaks solutions:\n" + "\n".join(problems))
        echo(f"  built {assignment.name}: {sum(1 for _ in release.rglob('*') if _.is_file())}"
             " files released, no solution or hidden test in them")
    return course


def released_assignments(course: Course) -> list[Assignment]:
    return [a for a in ASSIGNMENTS if (course.release / a.name / a.notebook).exists()]
