"""Shared pytest configuration for the course's test suite."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "task(grade_id): the graded cell whose function a test specifies (autograder/points.py)",
    )
    config.addinivalue_line("markers", "slow: takes more than a few seconds")
    config.addinivalue_line("markers", "browser: drives JupyterLab in headless Chromium "
                            "(skipped without /usr/bin/chromium or playwright)")



def pytest_runtest_setup(item):
    """A ``task`` marker must name a graded cell: grade ids change when cells are grouped."""
    from autograder.points import CELLS

    for marker in item.iter_markers("task"):
        if not marker.args or marker.args[0] not in CELLS:
            pytest.fail(f"task{marker.args!r} names no graded cell of autograder/points.py",
                        pytrace=False)
