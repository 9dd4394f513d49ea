"""Evaluate one submitted capstone model; run by :mod:`autograder.capstone` in the sandbox.

``python capstone_eval.py WORK OUT SIZE`` with the seed on standard input (a
command line is readable by every process of the machine): ``WORK`` holds the instructor's
``course_lib`` and the submitted ``capstone_model.npz`` (if any); the script
reads the model with ``course_lib.capstone.load_model`` (arrays only, no
pickle), rebuilds it in the instructor's network, generates ``SIZE`` MNIST-1D
sequences from the seed and writes a JSON verdict to ``OUT``. No student code
runs here: the submission is data.

This file imports only the standard library and, from ``WORK``, ``course_lib``,
since it is copied into the sandbox on its own.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path


def evaluate(work: Path, seed: int, size: int) -> dict:
    sys.path.insert(0, str(work))
    import numpy as np

    from course_lib import capstone, data

    try:
        predict, loaded = capstone.load_model(work / capstone.MODEL_FILE)
    except capstone.ModelFileError as exc:
        return {"status": exc.status, "message": str(exc)}
    X, y = data.make_mnist1d(size, seed)
    accuracy = float(np.mean(predict(X) == y))
    config = loaded.config
    return {"status": "scored", "accuracy": accuracy, "size": int(size),
            "points": capstone.points_for(accuracy), "max_points": capstone.MAX_POINTS,
            "thresholds": ", ".join(f"{100 * a:g}% → {p}" for a, p in capstone.THRESHOLDS),
            "parameters": loaded.num_parameters,
            "network": {k: config[k] for k in capstone.ARCHITECTURE_KEYS}}


def main(argv=None) -> int:
    work, out, size = (sys.argv[1:] if argv is None else argv)
    seed = int(sys.stdin.readline())
    verdict = evaluate(Path(work), seed, int(size))
    Path(out).write_text(json.dumps(verdict))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
