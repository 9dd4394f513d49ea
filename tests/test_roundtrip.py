"""Release → submit → autograde → feedback → export, on the simulated sample class.

One course is built in a temporary directory for the whole module; every test
reads the same graded result.
"""
from __future__ import annotations

import nbformat
import pytest

from autograder import build, grade, leaks, sample_class
from autograder.manifest import ASSIGNMENTS
from autograder.sandbox import sandbox_available
from autograder.paths import NOTEBOOKS, Course

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not sandbox_available(), reason="bubblewrap is not installed: "
                                 "grading refuses to run (tests/test_instructor_cli.py)")]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = Course(tmp_path_factory.mktemp("course"))
    build.build(course, echo=lambda *a: None)
    sample_class.generate(course, build.released_assignments(course))
    grade.grade_all(course, jobs=2, echo=lambda *a: None)
    grade.export(course)
    return course


@pytest.fixture(scope="module")
def rows(course):
    rows = grade.read_export(course.exports / "grades.csv")
    return {(r["student"], r["assignment"]): r for r in rows}


@pytest.fixture(scope="module")
def released(course):
    names = [a.name for a in build.released_assignments(course)]
    assert names, "no assignment was released"
    return names


def test_every_assignment_with_a_notebook_is_released(course, released):
    expected = [a.name for a in ASSIGNMENTS if (NOTEBOOKS / a.notebook).exists()]
    assert set(released) <= set(expected) and released == expected[:len(released)]


def test_export_has_the_documented_columns(course):
    header = (course.exports / "grades.csv").read_text().splitlines()[0]
    assert header.split(",")[:5] == ["student", "assignment", "score", "max_score", "status"]


def test_perfect_student_gets_every_autograded_point(rows, released):
    for name in released:
        row = rows[("perfect", name)]
        assert row["status"] == "graded", row
        assert float(row["auto_max_score"]) > 0
        assert float(row["auto_score"]) == float(row["auto_max_score"]), row


def test_stub_submission_scores_zero(rows, released):
    for name in released:
        row = rows[("stub", name)]
        assert row["status"] == "graded", row
        assert float(row["score"]) == 0.0, row


def test_buggy_submission_scores_strictly_between(rows, released):
    for name in released:
        row = rows[("buggy", name)]
        assert row["status"] == "graded", row
        assert 0 < float(row["auto_score"]) < float(row["auto_max_score"]), (
            f"{name}: the sample bug ({sample_class.BUGS[name].what}) was not caught "
            f"or cost everything: {row}")


def test_broken_notebook_is_reported_failed_not_zero(rows, released):
    for name in released:
        row = rows[("broken", name)]
        assert row["status"].startswith("failed: notebook is not valid JSON"), row


def test_course_grade_is_the_mean_of_the_assignments_percentages(course, rows, released):
    lines = {line["student"]: line for line in grade.read_export(course.exports / "course.csv")}
    for student in ("perfect", "stub", "buggy"):
        shares = [100 * float(rows[(student, a)]["score"]) / float(rows[(student, a)]["max_score"])
                  for a in released]
        waiting = [100 * float(rows[(student, a)]["manual_pending"])
                   / float(rows[(student, a)]["max_score"]) for a in released]
        assert float(lines[student]["course_grade"]) == pytest.approx(
            sum(shares) / len(shares), abs=0.01)
        assert float(lines[student]["course_pending"]) == pytest.approx(
            sum(waiting) / len(waiting), abs=0.01)
    # every point graded automatically earned, every written answer still pending: 100 % reachable
    perfect = lines["perfect"]
    assert float(perfect["course_grade"]) + float(perfect["course_pending"]) == pytest.approx(
        100, abs=0.02)
    assert lines["broken"]["course_grade"] == "" and "failed" in lines["broken"]["notes"]


def test_feedback_is_generated_for_every_graded_submission(course, rows):
    for (student, name), row in rows.items():
        if row["status"] == "graded":
            html = course.feedback / student / name / f"{name}.html"
            assert html.exists(), html


def test_no_released_or_feedback_file_holds_a_line_students_must_not_see(course, released):
    """The scan of issue 11 on the demo class: every file under release/ and feedback/
    against every solution-region line, hidden-test line and grader-only line of every
    assignment (no reference is opted in)."""
    forbidden = leaks.forbidden_lines()
    for kind in ("a solution line of course_lib/", "a hidden test line of ", "grader-only",
                 "a model answer"):
        assert any(kind in what for what in forbidden.values()), (
            f"no {kind!r} line was collected: the scan would prove nothing")
    files = [p for root in (course.release, course.feedback) for p in root.rglob("*")
             if p.is_file()]
    assert len(files) > 8 * len(released)
    assert leaks.scan(course.release, forbidden) == []
    assert leaks.scan(course.feedback, forbidden) == []


def test_feedback_folders_hold_only_the_feedback_pages_and_their_timestamp(course):
    files = [p for p in course.feedback.rglob("*") if p.is_file()]
    others = [p for p in files if p.suffix != ".html"]
    assert files and {p.name for p in others} == {"timestamp.txt"}, sorted(
        {str(p.relative_to(course.feedback)) for p in others})[:5]
    assert all(p.read_text() == sample_class.TIMESTAMP for p in others)


def test_grader_only_module_is_not_released_but_is_restored_for_grading(course, released):
    # The worker restores it in its private copy (the course's autograded folder receives only
    # what the submission changed): the hidden tests that import it ran without an error.
    for name in released:
        assert not (course.release / name / "course_lib" / "_hidden.py").exists()
        nb = nbformat.read(course.autograded / "perfect" / name / f"{name}.ipynb", as_version=4)
        using = [c for c in nb.cells if c.cell_type == "code" and "_hidden" in c.source]
        assert using, f"{name}: no graded cell uses course_lib/_hidden.py"
        assert all(c.execution_count for c in using), name
        assert [o for c in using for o in c.outputs if o.output_type == "error"] == [], name


def test_validator_accepts_the_perfect_submission_and_rejects_the_stub(course, released):
    from nbgrader.validator import Validator

    name = released[0]
    validator = Validator()
    perfect = course.submitted / "perfect" / name / f"{name}.ipynb"
    stub = course.submitted / "stub" / name / f"{name}.ipynb"
    assert not validator.validate(str(perfect)).get("failed"), "perfect failed validation"
    assert validator.validate(str(stub)).get("failed"), "stub passed validation"


def test_grading_again_gives_the_same_table(course, rows, released):
    grade.grade_all(course, released[:1], jobs=2, echo=lambda *a: None)
    again = grade.read_export(grade.export(course))
    assert {(r["student"], r["assignment"]): r for r in again} == rows


def _feedback_text(path):
    import html
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))


def test_feedback_never_shows_hidden_tests_model_answers_or_solutions(course):
    forbidden = leaks.forbidden_lines()
    assert any(what.startswith("a line of a model answer") for what in forbidden.values())
    files = sorted(course.feedback.rglob("*.html"))
    assert files, "no feedback was generated"
    leaks_found = [(str(f.relative_to(course.feedback)), line) for f in files
                   for line in set(forbidden) & {x.strip() for x in _feedback_text(f).splitlines()}]
    assert leaks_found == []


def test_feedback_names_each_test_with_its_verdict_and_points(course, released):
    import nbformat

    name = released[0]
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    test_ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
                if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"]
    perfect = _feedback_text(course.feedback / "perfect" / name / f"{name}.html")
    stub = _feedback_text(course.feedback / "stub" / name / f"{name}.html")
    for grade_id in test_ids:
        assert f"Test {grade_id}: passed" in perfect
        assert f"Test {grade_id}: failed" in stub
    assert "is not implemented yet" in stub


def test_feedback_shows_written_answers_as_pending_not_lost(course, rows, released):
    name = released[0]
    row = rows[("perfect", name)]
    pending, graded = float(row["manual_pending"]), float(row["auto_max_score"])
    assert pending > 0, "the first assignment has a reflection question graded by hand"
    text = _feedback_text(course.feedback / "perfect" / name / f"{name}.html")
    assert f"(Score: {graded:.1f} / {graded:.1f})" in text
    assert f"{pending:g} points pending" in text and "pending, not lost" in text


def test_report_shows_failures_per_test_distributions_and_ungradable_submissions(course, rows):
    from autograder import report

    html_path, csv_path = report.write(course, list(rows.values()))
    text = html_path.read_text()
    assert "Submissions that could not be graded" in text
    assert "not valid JSON" in text
    assert text.count("data:image/png;base64,") == len({a for _, a in rows})
    tests = grade.read_export(csv_path)
    assert tests, "no test rows"
    for t in tests:
        # three graded students per assignment: the stub fails every test
        assert int(t["students"]) == 3
        assert int(t["failed"]) >= 1
        assert t["most_common_hint"]


def test_experiments_are_not_run_by_the_grader_and_say_so(course, released):
    """Perfect marks above prove no test needed an experiment; here: only they were skipped."""
    import nbformat

    from autograder.experiments import SKIP_TAG, experiment_sources
    from autograder.feedback import NOT_RUN

    for name in released:
        experiments = experiment_sources(NOTEBOOKS / f"{name}.ipynb")
        nb = nbformat.read(course.autograded / "perfect" / name / f"{name}.ipynb", as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        skipped = [c for c in code if SKIP_TAG in c.metadata.get("tags", [])]
        ran = [c for c in code if SKIP_TAG not in c.metadata.get("tags", [])]
        assert {c.source.strip() for c in skipped} == experiments, name
        assert all(c.execution_count is None and not c.outputs for c in skipped), name
        assert all(c.execution_count is not None for c in ran), name
        feedback = _feedback_text(course.feedback / "perfect" / name / f"{name}.html")
        assert feedback.count(NOT_RUN.strip()) == len(skipped), name
