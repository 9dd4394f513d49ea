"""Execution time of every instructor notebook: ``python -m benchmarks.notebooks --runs 3``.

Each notebook runs top to bottom in a fresh kernel (nbclient, the engine nbval
and nbgrader use), from the ``notebooks/`` folder so it imports the
repository's ``course_lib``. Prints the median and the range of the wall times.

``--against REV`` times the notebooks of the git revision ``REV`` (against this
tree's ``course_lib``) and this tree's alternately, run by run, so that both see
the same load, and prints both medians and their ratio.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def run_once(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - start


def compare(paths, revision: str, runs: int) -> None:
    """Median wall times of the notebooks of ``revision`` and of this tree, run alternately."""
    root = NOTEBOOKS.parent
    with tempfile.TemporaryDirectory(prefix="notebooks-") as folder:
        old = Path(folder)
        (old / "course_lib").symlink_to(root / "course_lib")
        print(f"| notebook | {revision} (s) | this tree (s) | ratio |\n|---|---|---|---|")
        total_old = total_new = 0.0
        for path in paths:
            source = subprocess.run(["git", "-C", str(root), "show", f"{revision}:notebooks/{path.name}"],
                                    check=True, capture_output=True).stdout
            (old / path.name).write_bytes(source)
            before, after = [], []
            for _ in range(runs):
                before.append(run_once(old / path.name))
                after.append(run_once(path))
            b, a = statistics.median(before), statistics.median(after)
            total_old, total_new = total_old + b, total_new + a
            print(f"| {path.stem} | {b:.1f} | {a:.1f} | {a / b:.2f} |", flush=True)
        print(f"| **all** | **{total_old:.1f}** | **{total_new:.1f}** | **{total_new / total_old:.2f}** |")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--against", metavar="REV", help="compare with the notebooks of a git revision")
    parser.add_argument("names", nargs="*", help="notebook stems (default: all)")
    args = parser.parse_args(argv)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("MPLBACKEND", "Agg")
    paths = [p for p in sorted(NOTEBOOKS.glob("*.ipynb")) if not args.names or p.stem in args.names]
    print(f"load average {os.getloadavg()[0]:.2f}; {args.runs} runs each")
    if args.against:
        compare(paths, args.against, args.runs)
        print(f"load average {os.getloadavg()[0]:.2f}")
        return 0
    print(f"| notebook | median (s) | min–max (s) |\n|---|---|---|")
    for path in paths:
        times = [run_once(path) for _ in range(args.runs)]
        print(f"| {path.stem} | {statistics.median(times):.1f} | "
              f"{min(times):.1f}–{max(times):.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
