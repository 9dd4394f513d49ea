"""Execution time of every instructor notebook: ``python -m benchmarks.notebooks --runs 3``.

Each notebook runs top to bottom in a fresh kernel (nbclient, the engine nbval
and nbgrader use), from the ``notebooks/`` folder so it imports the
repository's ``course_lib``. Prints the median and the range of the wall times.
"""
from __future__ import annotations

import argparse
import os
import statistics
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("names", nargs="*", help="notebook stems (default: all)")
    args = parser.parse_args(argv)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("MPLBACKEND", "Agg")
    paths = [p for p in sorted(NOTEBOOKS.glob("*.ipynb")) if not args.names or p.stem in args.names]
    print(f"load average {os.getloadavg()[0]:.2f}; {args.runs} runs each")
    print(f"| notebook | median (s) | min–max (s) |\n|---|---|---|")
    for path in paths:
        times = [run_once(path) for _ in range(args.runs)]
        print(f"| {path.stem} | {statistics.median(times):.1f} | "
              f"{min(times):.1f}–{max(times):.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
