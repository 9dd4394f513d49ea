"""nbgrader hooks of the course."""
from __future__ import annotations

import logging
from pathlib import Path

from .manifest import GRADER_ONLY
from .modules import SolutionLeak, has_solution, scan_for_leaks, stub

log = logging.getLogger(__name__)


def clear_release(release_dir: Path) -> list[Path]:
    """Strip solution regions from released ``.py`` files; drop grader-only modules.

    ``generate_assignment`` clears notebooks but copies every other file
    unchanged, so without this step the solutions of ``course_lib`` would ship.
    Returns the files it changed or removed. Raises :class:`SolutionLeak` when
    anything that must not ship is still there afterwards.
    """
    release_dir = Path(release_dir)
    touched = []
    for name in GRADER_ONLY:
        for path in release_dir.rglob(f"{name}.py"):
            path.unlink()
            touched.append(path)
    for path in sorted(release_dir.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if has_solution(text):
            path.write_text(stub(text), encoding="utf-8")
            touched.append(path)
    problems = scan_for_leaks(release_dir)
    if problems:
        raise SolutionLeak("released files still hold solutions:\n" + "\n".join(problems))
    return touched


class ReleaseHook:
    """``GenerateAssignment.post_convert_hook``: clears the released ``.py`` files.

    nbgrader only logs a failing hook at INFO level and exits 0, so the build
    checks the release again itself (see ``autograder.build``); this hook is
    what makes ``nbgrader generate_assignment`` typed by hand safe too.
    """

    def __init__(self, course_root: Path):
        self.course_root = Path(course_root)

    def __call__(self, assignment: str, student: str | None = None, notebooks=None):
        touched = clear_release(self.course_root / "release" / assignment)
        log.info("cleared %d released files of %s", len(touched), assignment)

    def __repr__(self):
        return f"ReleaseHook({str(self.course_root)!r})"
