"""The capstone of 07 graded end to end: the sample class and the capstone cases.

One course with only 07 is built for the module; the sample class (perfect: the
instructor notebook's configuration, buggy: the given baseline, stub: no model)
and every case of ``hostile.CAPSTONE_CASES`` are graded once.
"""
from __future__ import annotations

import html
import re

import pytest

from autograder import build, capstone, grade, hostile, leaks, sample_class
from autograder.manifest import by_name
from autograder.paths import Course
from autograder.sandbox import Limits

pytestmark = pytest.mark.slow

ASSIGNMENT = capstone.ASSIGNMENT
LIMITS = Limits(cell_timeout=60, wall_seconds=300, cpu_seconds=300, memory_bytes=3 * 1024**3)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = Course(tmp_path_factory.mktemp("capstone"))
    assignment = by_name(ASSIGNMENT)
    build.build(course, [assignment.name], echo=lambda *a: None)
    sample_class.generate(course, [assignment])
    hostile.generate_capstone(course)
    grade.grade_all(course, [assignment.name], jobs=2, limits=LIMITS, echo=lambda *a: None)
    rows = {r["student"]: r for r in grade.read_export(grade.export(course))}
    return course, rows


def _capstone_points(course, student):
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url) as gb:
        return gb.find_grade(capstone.GRADE_ID, ASSIGNMENT, ASSIGNMENT, student).score


def _feedback(course, student):
    page = course.feedback / student / ASSIGNMENT / f"{ASSIGNMENT}.html"
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))


def test_reference_solution_gets_full_points_on_the_hidden_test_set(graded):
    course, rows = graded
    row = rows["perfect"]
    assert row["status"] == "graded"
    assert float(row["auto_score"]) == float(row["auto_max_score"]), row
    assert _capstone_points(course, "perfect") == 10
    assert row["notes"].startswith("capstone scored: "), row["notes"]
    assert "4,000 sequences of the grader's own MNIST-1D test set" in row["notes"]


def test_given_baseline_gets_strictly_fewer_points(graded):
    course, rows = graded
    baseline = _capstone_points(course, "buggy")
    assert 0 < baseline < _capstone_points(course, "perfect")
    assert rows["buggy"]["notes"].startswith("capstone scored: ")
    assert 0 < float(rows["buggy"]["auto_score"]) < float(rows["buggy"]["auto_max_score"])


def test_stub_has_no_model_and_says_so(graded):
    course, rows = graded
    assert rows["stub"]["status"] == "graded" and float(rows["stub"]["score"]) == 0
    assert rows["stub"]["notes"].startswith("capstone no model: ")


@pytest.mark.parametrize("case", hostile.CAPSTONE_CASES, ids=lambda c: c.student)
def test_each_capstone_case_gets_its_named_status(graded, case):
    course, rows = graded
    row = rows[case.student]
    assert row["status"] == "graded", (case.what, row)
    assert row["notes"].startswith(f"capstone {case.status}: "), (case.what, row["notes"])
    points = _capstone_points(course, case.student)
    others = float(rows[case.base]["auto_score"]) - _capstone_points(course, case.base)
    if case.status == "scored":
        assert points == _capstone_points(course, case.base), case.what
    else:
        assert points == 0, case.what
    assert float(row["auto_score"]) == others + points, (case.what, row)
    text = _feedback(course, case.student)
    assert f"Test {capstone.GRADE_ID}: " in text
    assert f"({case.status})" in text, case.what


def test_feedback_names_what_is_wrong_with_the_model(graded):
    course, _ = graded
    text = _feedback(course, "c_wrong_shape")
    assert "param.W1 has shape (64, 256), the saved configuration needs (40, 256)" in text
    assert "Test capstone_model: failed, 0 / 10 points" in text
    assert "Test capstone_model: passed, 10 / 10 points" in _feedback(course, "perfect")


def test_the_hidden_seed_stays_with_the_grader(graded):
    course, _ = graded
    seed = capstone.read_seed(course.root)
    assert seed is not None and capstone.read_seed(course.source / ASSIGNMENT) == seed
    assert not (course.release / ASSIGNMENT / capstone.SECRET_FILE).exists()
    graded_folders = list((course.autograded).glob(f"*/{ASSIGNMENT}"))
    assert graded_folders and not any((f / capstone.SECRET_FILE).exists() for f in graded_folders)
    tokens = capstone.secret_tokens(course)
    forbidden = leaks.forbidden_lines()
    for root in (course.release, course.feedback):
        assert leaks.scan(root, forbidden, tokens) == []
    # what the grading kernel saw: the seed is in no file of it
    assert leaks.scan_for_tokens(course.autograded, tokens) == []
