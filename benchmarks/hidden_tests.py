"""What the hidden tests cost: ``python -m benchmarks.hidden_tests [--rev REV]``.

Runs the hidden tests of every graded cell in this process on the reference
modules (the notebook's imports, then the hidden region statement by statement,
with every module as grading the cell's assignment runs it, as
``tests/test_hidden_contract.py`` does) and prints, per notebook, the median
over ``--repeats`` runs of the summed seconds. This is the part of a
submission's grading time that the hidden tests add (the sandboxed kernel, the
visible checks, the re-check and the feedback cost the same whatever the
hidden tests hold; ``benchmarks.submission`` times the whole).

With ``--rev REV`` the notebooks and modules of git revision ``REV`` are timed
too, interleaved with the working tree's (so both columns share the machine's
load), and the ratio is printed.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.manifest import ASSIGNMENTS
from autograder.paths import LIB, NOTEBOOKS

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import contract_support as cs  # noqa: E402  (the runner lives with the tests that use it)


def _checkout(rev: str, dest: Path) -> tuple[Path, Path]:
    """The notebooks and ``course_lib`` modules of ``rev``, written under ``dest``."""
    notebooks, lib = dest / "notebooks", dest / "course_lib"
    notebooks.mkdir(parents=True)
    lib.mkdir()
    for a in ASSIGNMENTS:
        for rel, target in [(f"notebooks/{a.notebook}", notebooks / a.notebook)] + [
                (f"course_lib/{m}.py", lib / f"{m}.py") for m in a.modules + a.shared_modules]:
            text = subprocess.run(["git", "show", f"{rev}:{rel}"], cwd=ROOT, check=True,
                                  capture_output=True, text=True).stdout
            target.write_text(text, encoding="utf-8")
    return notebooks, lib


def _suite(notebooks: Path, lib: Path):
    """``(notebook stem, cell, modules)`` for every graded cell with hidden tests, the modules
    as grading the cell's assignment runs them (its own functions the reference)."""
    graded, suite = {}, []
    for cell in cs.graded_cells(notebooks).values():
        if not cell.hidden.strip():
            continue
        assignment = cs.assignment_of_cell(cell)
        if assignment.name not in graded:
            graded[assignment.name] = {
                m: cs.module_from_text(m, cs.graded_text(m, assignment, lib=lib))
                for m in cs.STUDENT_MODULES}
        suite.append((cell.notebook.stem, cell, graded[assignment.name]))
    return suite


def _time(suite) -> dict[str, float]:
    seconds: dict[str, float] = {}
    for stem, cell, refs in suite:
        start = time.perf_counter()
        failures = cs.run_hidden(cell, refs)
        seconds[stem] = seconds.get(stem, 0.0) + time.perf_counter() - start
        if failures:
            raise SystemExit(f"the hidden tests of {cell.grade_id} fail on the reference: {failures[0]}")
    return seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rev", help="git revision to compare with (e.g. main or a commit)")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    suites = {"tree": _suite(NOTEBOOKS, LIB)}
    tmp = None
    if args.rev:
        tmp = Path(tempfile.mkdtemp(prefix="bench-hidden-"))
        suites[args.rev] = _suite(*_checkout(args.rev, tmp))
    for suite in suites.values():   # warm-up: imports, first calls
        _time(suite)
    runs = {name: [] for name in suites}
    for i in range(args.repeats):
        order = list(suites) if i % 2 == 0 else list(suites)[::-1]
        for name in order:
            runs[name].append(_time(suites[name]))
    stems = [Path(a.notebook).stem for a in ASSIGNMENTS]
    print(f"load average {os.getloadavg()[0]:.2f}; median of {args.repeats} runs, ms of one core")
    print(f"{'notebook':<26}" + "".join(f"{name:>12}" for name in suites)
          + ("   ratio" if args.rev else ""))
    totals = {name: [sum(r.values()) for r in runs[name]] for name in suites}
    for stem in stems + ["total"]:
        row = {name: statistics.median(totals[name] if stem == "total" else
                                       [r.get(stem, 0.0) for r in runs[name]]) for name in suites}
        line = f"{stem:<26}" + "".join(f"{1000 * row[name]:12.1f}" for name in suites)
        if args.rev and row[args.rev]:
            line += f"   {row['tree'] / row[args.rev]:.2f}"
        print(line)
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
