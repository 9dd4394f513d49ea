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

from . import experiments, modules
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
    if owner == assignment:
        if not modules.has_solution(text):
            raise BuildError(f"{path} is taught in {assignment.name} but has no solution region")
        return text
    if is_later(owner, assignment):
        return modules.stub(text)
    return modules.reference(text)


def assemble_source(course: Course, assignment: Assignment) -> Path:
    notebook = NOTEBOOKS / assignment.notebook
    if not notebook.exists():
        raise BuildError(f"missing instructor notebook {notebook}")
    misplaced = experiments.misplaced_tags(notebook)
    if misplaced:
        raise BuildError(f"{notebook}: graded cells must run when grading, but these are "
                         f"tagged '{experiments.EXPERIMENT_TAG}': {', '.join(misplaced)}")
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
        target = dest / "course_lib" / package.name
        shutil.copytree(package, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        for path in target.glob("*.py"):
            if is_later(check_owner(path.stem), assignment):
                # Checks of a later assignment may quote formulas that assignment asks
                # for; they ship with it, not before.
                path.write_text(f'"""Checks of {check_owner(path.stem).name} ship with that '
                                'assignment."""\n')
    return dest


def check_owner(stem: str) -> Assignment | None:
    """The assignment whose functions ``course_lib/checks/<stem>.py`` checks."""
    if stem == "gradients":
        return ASSIGNMENTS[0]
    return owner_of(stem)


def is_later(owner: Assignment | None, assignment: Assignment) -> bool:
    names = [a.name for a in ASSIGNMENTS]
    return owner is not None and names.index(owner.name) > names.index(assignment.name)


def all_solution_lines(assignment: Assignment | None = None) -> set[str]:
    """Lines of reference solutions that must not appear in ``assignment``'s release.

    That is every solution line of its own modules, of later assignments' modules
    and of the notebooks. Earlier assignments' modules ship as the reference by
    design, so their solution lines count as shipped text, not as evidence of a
    leak. With no assignment: every solution line of the course.
    """
    import nbformat

    guarded, shipped = [], []
    for path in LIB.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        owner = owner_of(modules.module_name(path))
        if assignment is None or owner is None or owner == assignment \
                or is_later(owner, assignment):
            guarded.append(text)
        else:
            shipped.append(modules.reference(text))
    for nb_path in NOTEBOOKS.glob("*.ipynb"):
        guarded += [cell.source for cell in nbformat.read(nb_path, as_version=4).cells]
    return modules.solution_lines(*guarded, *shipped)


def all_hidden_test_lines() -> set[str]:
    """Lines of hidden tests that appear nowhere else in the notebooks or the library."""
    import nbformat

    sources = [cell.source for nb_path in NOTEBOOKS.glob("*.ipynb")
               for cell in nbformat.read(nb_path, as_version=4).cells]
    outside: set[str] = set()
    for text in sources:
        outside |= modules.visible_lines(text)
    # A hidden test may quote a line of a module's solution; whether that line may
    # ship is the solution scan's question (it may, once the module is reference).
    for path in LIB.rglob("*.py"):
        outside |= {line.strip() for line in path.read_text(encoding="utf-8").splitlines()}
    hidden: set[str] = set()
    for source in sources:
        hidden |= modules.hidden_test_lines(source, outside)
    return hidden


def build(course: Course | None = None, names: list[str] | None = None,
          echo=print) -> Course:
    """Assemble the source tree, write the config and release the assignments."""
    course = course or Course.default()
    course.root.mkdir(parents=True, exist_ok=True)
    write_shim(course.root, REPO)
    chosen = [a for a in ASSIGNMENTS if not names or a.name in names]
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
        problems = modules.scan_for_leaks(release, all_solution_lines(assignment))
        if problems:
            raise modules.SolutionLeak("release leaks solutions:\n" + "\n".join(problems))
        echo(f"  built {assignment.name}: {sum(1 for _ in release.rglob('*') if _.is_file())}"
             " files released, no solution or hidden test in them")
    return course


def released_assignments(course: Course) -> list[Assignment]:
    return [a for a in ASSIGNMENTS if (course.release / a.name / a.notebook).exists()]
