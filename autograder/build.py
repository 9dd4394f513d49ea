"""Build the nbgrader course from the repository and release every assignment.

For each assignment the build assembles ``course/source/<assignment>/``: the
instructor notebook and a copy of ``course_lib`` in which

* the assignment's own modules and those of earlier assignments keep their
  solution regions: the release stubs them all, and ``autograde`` restores the
  earlier ones from this source, so grading always runs the reference of every
  module the assignment does not teach (a bug in 03 never sinks 05's grade);
* modules of later assignments are stubs;
* given modules are copied as they are, grader-only modules included;
* ``_release.json`` records which assignment teaches each module and the hash
  of each module's released stub, so that ``course_lib.carry`` can bring a
  student's own finished modules forward without touching anything they edited.

An instructor may opt in to ship the reference of chosen earlier assignments
(``with_solutions_of``): their modules then go into the source without markers.

``nbgrader generate_assignment`` then writes ``course/release/<assignment>/``;
its post-convert hook strips the released ``.py`` files, and the build scans
the result again (markers, every line of every solution region, of every hidden
test and of every grader-only file) because nbgrader swallows a failing hook.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from . import capstone, experiments, leaks, modules
from .hooks import clear_release
from .manifest import ASSIGNMENTS, Assignment, function_owner, is_shared, owner_of, owners_of
from .nbgrader_config import write_shim
from .paths import LIB, NOTEBOOKS, REPO, Course
from .runner import nbgrader_for


class BuildError(RuntimeError):
    pass


RELEASE_MANIFEST = "_release.json"


def module_text_for(assignment: Assignment, path: Path,
                    with_solutions_of: tuple[str, ...] = ()) -> str:
    """The text of one ``course_lib`` module as it goes into ``assignment``'s source.

    Region by region: a region taught by a later assignment is a stub; one of an
    opted-in earlier assignment is the reference without markers; every other
    region keeps its markers (the release stubs it; grading restores it).
    """
    text = path.read_text(encoding="utf-8")
    module = modules.module_name(path)
    if not owners_of(module):
        if modules.has_solution(text):
            raise BuildError(f"{path} has solution regions but no assignment in "
                             "autograder/manifest.py teaches it")
        return text
    if not modules.has_solution(text):
        raise BuildError(f"{path} is taught in "
                         f"{', '.join(a.name for a in owners_of(module))} but has no "
                         "solution region")

    def decide(qualname: str) -> str:
        owner = function_owner(module, qualname)
        if owner is None:
            raise BuildError(f"{path}: the solution region in {qualname} belongs to no "
                             "assignment: list the function in autograder/manifest.py")
        if is_later(owner, assignment):
            return "stub"
        if owner.name in with_solutions_of:
            return "reference"
        return "keep"

    return modules.transform_regions(text, decide)


def check_manifest_functions() -> None:
    """Every function the manifest assigns in a shared module exists and holds a region."""
    for assignment in ASSIGNMENTS:
        for module in assignment.shared_modules:
            path = LIB / f"{module}.py"
            with_regions = set(modules.region_functions(path.read_text(encoding="utf-8")))
            for qualname in assignment.functions_of(module):
                if qualname not in with_regions:
                    raise BuildError(f"autograder/manifest.py: {assignment.name} teaches "
                                     f"{module}:{qualname}, but {path} has no solution "
                                     "region in such a function")


def release_manifest(assignment: Assignment, with_solutions_of: tuple[str, ...] = ()) -> dict:
    """What ``course_lib.carry`` needs to know about ``assignment``'s release.

    For every module a student implements: the assignments that teach it (and,
    for a shared module, which assignment teaches which function), and the
    SHA-256 of the module exactly as this release ships it, so a file that still
    has that hash is one the student has not touched.
    """
    taught = {}
    for path in sorted(LIB.glob("*.py")):
        module = modules.module_name(path)
        owners = owners_of(module)
        if not owners:
            continue
        text = path.read_text(encoding="utf-8")

        def shipped_as(qualname, module=module):
            owner = function_owner(module, qualname)
            return ("reference" if owner.name in with_solutions_of
                    and is_earlier(owner, assignment) else "stub")

        shipped = modules.transform_regions(text, shipped_as)
        entry = {"assignments": [a.name for a in owners],
                 "released_sha256": hashlib.sha256(shipped.encode("utf-8")).hexdigest()}
        if is_shared(module):
            entry["functions"] = {q: function_owner(module, q).name
                                  for q in dict.fromkeys(modules.region_functions(text))}
        taught[module] = entry
    return {"assignment": assignment.name,
            "course": [a.name for a in ASSIGNMENTS],
            "modules": taught}


def assemble_source(course: Course, assignment: Assignment,
                    with_solutions_of: tuple[str, ...] = ()) -> Path:
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
        (dest / "course_lib" / path.name).write_text(
            module_text_for(assignment, path, with_solutions_of), encoding="utf-8")
    capstone.install_secret(course, assignment.name, dest)
    (dest / "course_lib" / RELEASE_MANIFEST).write_text(
        json.dumps(release_manifest(assignment, with_solutions_of), indent=1) + "\n",
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


def is_earlier(owner: Assignment | None, assignment: Assignment) -> bool:
    names = [a.name for a in ASSIGNMENTS]
    return owner is not None and names.index(owner.name) < names.index(assignment.name)


def shipped_before(assignment: Assignment, with_solutions_of: tuple[str, ...]) -> tuple[str, ...]:
    """The opted-in references that ``assignment``'s release may hold: earlier ones only."""
    return tuple(a.name for a in ASSIGNMENTS
                 if a.name in with_solutions_of and is_earlier(a, assignment))


def build(course: Course | None = None, names: list[str] | None = None,
          echo=print, with_solutions_of: tuple[str, ...] = ()) -> Course:
    """Assemble the source tree, write the config and release the assignments.

    ``with_solutions_of`` names assignments (typically those past their deadline)
    whose reference the later releases ship; by default no release holds any
    solution. The build refuses to finish (:class:`~autograder.leaks.LeakFound`)
    if a released file holds a line it must not.
    """
    course = course or Course.default()
    known = [a.name for a in ASSIGNMENTS]
    unknown = [n for n in list(names or ()) + list(with_solutions_of) if n not in known]
    if unknown:
        raise BuildError(f"unknown assignment {', '.join(unknown)}; known: {', '.join(known)}")
    check_manifest_functions()
    course.root.mkdir(parents=True, exist_ok=True)
    write_shim(course.root, REPO)
    chosen = [a for a in ASSIGNMENTS if not names or a.name in names]
    forbidden: dict[tuple[str, ...], dict[str, str]] = {}
    for assignment in chosen:
        if not (NOTEBOOKS / assignment.notebook).exists():
            echo(f"  skip {assignment.name}: no notebook yet")
            continue
        shipped = shipped_before(assignment, tuple(with_solutions_of))
        assemble_source(course, assignment, shipped)
        result = nbgrader_for(course).generate_assignment(assignment.name)
        if not result["success"]:
            raise BuildError(f"nbgrader generate_assignment {assignment.name} failed:\n"
                             + result["text"][-4000:])
        release = course.release / assignment.name
        # The hook has run inside nbgrader; nbgrader hides its failures, so
        # clear again (idempotent) and scan with every line that must not ship.
        clear_release(release)
        if shipped not in forbidden:
            forbidden[shipped] = leaks.forbidden_lines(shipped)
        try:
            leaks.refuse_leaks([release], forbidden[shipped], f"the release of {assignment.name}",
                               tokens=capstone.secret_tokens(course))
        except leaks.LeakFound:
            shutil.rmtree(release, ignore_errors=True)
            raise
        check_manifest(release)
        extra = f"; holds the reference of {', '.join(shipped)}" if shipped else ""
        echo(f"  built {assignment.name}: {sum(1 for _ in release.rglob('*') if _.is_file())}"
             f" files released, no solution, hidden test or grader-only line in them{extra}")
    return course


def check_manifest(release: Path) -> None:
    """The release's ``_release.json`` must describe the module files it actually ships."""
    manifest = json.loads((release / "course_lib" / RELEASE_MANIFEST).read_text())
    for module, entry in manifest["modules"].items():
        shipped = (release / "course_lib" / f"{module}.py").read_bytes()
        if hashlib.sha256(shipped).hexdigest() != entry["released_sha256"]:
            raise BuildError(f"{release}/course_lib/{module}.py is not the file "
                             f"{RELEASE_MANIFEST} describes: the carry-forward would misjudge it")


def released_assignments(course: Course) -> list[Assignment]:
    return [a for a in ASSIGNMENTS if (course.release / a.name / a.notebook).exists()]
