"""Calibrating the capstone of 07: ``python -m benchmarks.capstone``.

Trains the instructor notebook's configuration (07's reference, read from its
answer cell) and the given baseline the way the notebook trains the submitted
model (``capstone.train(..., merge_val=True)``: training and validation sets),
once per training seed, on one core; training time is reported as wall and
CPU seconds (on a loaded machine the CPU seconds are what an idle core would
take). Each model is then measured on the public
test set and on hidden test sets generated like the grader's (4,000 sequences
each, from seeds unrelated to any course's), and given ``points_for`` each
accuracy. The thresholds in ``course_lib/capstone.py`` are chosen from this
table: full points well above every baseline run, and every reference run well
above full points.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from autograder import capstone as grading
from autograder.sample_class import reference_capstone_config
from course_lib import capstone, data


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2, 3, 4],
                        help="training seeds")
    parser.add_argument("--hidden-seeds", nargs="*", type=int, default=[101, 202, 303],
                        help="seeds of the hidden-like test sets")
    args = parser.parse_args(argv)
    mnist = data.load_mnist1d()
    hidden = [data.make_mnist1d(grading.HIDDEN_TEST_SIZE, s) for s in args.hidden_seeds]
    configs = {"reference": reference_capstone_config(), "baseline": capstone.BASELINE}
    print(f"load average {os.getloadavg()[0]:.2f}; OPENBLAS_NUM_THREADS="
          f"{os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    for name, config in configs.items():
        print(f"{name}: {config}")
    print(f"thresholds: {capstone.THRESHOLDS}")
    print(f"{'config':<10} {'seed':>4} {'wall s':>7} {'cpu s':>6} {'public':>7} "
          f"{'hidden (each of ' + str(len(hidden)) + ')':<26} points")
    summary = {}
    for name, config in configs.items():
        for seed in args.seeds:
            start, cpu = time.perf_counter(), time.process_time()
            trained = capstone.train(config, mnist, seed=seed, merge_val=True)
            seconds = time.perf_counter() - start
            cpu_seconds = time.process_time() - cpu

            def accuracy(X, y):
                scores = trained.model.loss((X - trained.mean) / trained.std)
                return float(np.mean(np.argmax(scores, axis=1) == y))

            public = accuracy(mnist.X_test, mnist.y_test)
            accs = [accuracy(X, y) for X, y in hidden]
            points = [capstone.points_for(a) for a in accs]
            summary.setdefault(name, []).append((cpu_seconds, accs, points))
            print(f"{name:<10} {seed:>4} {seconds:7.1f} {cpu_seconds:6.1f} {public:7.3f} "
                  f"{' '.join(f'{a:.3f}' for a in accs):<26} "
                  f"{' '.join(map(str, points))}", flush=True)
    for name, runs in summary.items():
        accs = [a for _, acc, _ in runs for a in acc]
        points = [p for _, _, pts in runs for p in pts]
        print(f"{name}: training {statistics.mean(s for s, _, _ in runs):.1f} s of CPU on average; hidden "
              f"accuracy {min(accs):.3f}-{max(accs):.3f} (mean {statistics.mean(accs):.3f}); "
              f"points {min(points)}-{max(points)} of {capstone.MAX_POINTS}")
    print(f"load average {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
