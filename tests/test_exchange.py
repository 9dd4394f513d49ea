"""A semester's round trip through nbgrader's own exchange, as one JupyterHub runs it.

The instructor releases with ``tdn nbgrader release_assignment``; two students
fetch, work and submit with ``nbgrader`` in their own home directories; the
instructor collects, grades with ``tdn grade`` and releases the feedback, which
each student fetches. The exchange is a local directory.
"""
from __future__ import annotations

import shutil
import subprocess

import pytest

from autograder import build, grade, leaks, sample_class
from autograder.nbgrader_config import COURSE_ID
from autograder.paths import Course, venv_bin
from autograder.sandbox import sandbox_available

from instructor_support import A, clean_env, tdn

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not sandbox_available(), reason="bubblewrap is not installed")]

STUDENTS = ("ada", "bob")   # ada hands in finished modules, bob the release untouched


def student_nbgrader(home, *args):
    done = subprocess.run([str(venv_bin() / "nbgrader"), *args, "--course", COURSE_ID,
                           f"--Exchange.root={home.parent.parent / 'exchange'}"],
                          cwd=home, env=clean_env(HOME=str(home)), capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


@pytest.fixture(scope="module")
def semester(tmp_path_factory):
    base = tmp_path_factory.mktemp("hub")
    exchange = base / "exchange"
    exchange.mkdir()
    exchange.chmod(0o777)
    course = Course(base / "course")
    build.build(course, [A], echo=lambda *a: None)
    root = f"--Exchange.root={exchange}"

    def instructor(*args):
        done = tdn(course.root, "nbgrader", *args, root)
        assert done.returncode == 0, done.stderr[-2000:]
        return done

    instructor("release_assignment", A)
    homes = {s: base / "home" / s for s in STUDENTS}
    for student, home in homes.items():
        home.mkdir(parents=True)
        student_nbgrader(home, "fetch_assignment", A)
        if student == "ada":
            for module in ("gradcheck", "layers", "losses"):
                (home / A / "course_lib" / f"{module}.py").write_text(
                    sample_class.reference_module(module))
        student_nbgrader(home, "submit", A, "--student", student)
    instructor("collect", A)
    graded = tdn(course.root, "grade", A, "--jobs", "2")
    assert graded.returncode == 0, graded.stderr[-2000:]
    instructor("release_feedback", A)
    for student, home in homes.items():
        student_nbgrader(home, "fetch_feedback", A, "--student", student)
    rows = {r["student"]: r for r in grade.read_export(course.exports / "grades.csv")}
    return course, homes, rows


def test_collect_puts_each_submission_where_grade_finds_it(semester):
    course, _, _ = semester
    for student in STUDENTS:
        assert (course.submitted / student / A / f"{A}.ipynb").exists()


def test_the_finished_submission_earns_every_point_and_the_untouched_one_none(semester):
    _, _, rows = semester
    assert rows["ada"]["status"] == "graded"
    assert float(rows["ada"]["auto_score"]) == float(rows["ada"]["auto_max_score"]) > 0
    assert rows["bob"]["status"] == "graded" and float(rows["bob"]["auto_score"]) == 0.0


def test_each_student_fetches_their_own_feedback_page(semester):
    _, homes, _ = semester
    for student, home in homes.items():
        pages = list((home / A / "feedback").rglob(f"{A}.html"))
        assert len(pages) == 1, student
        text = pages[0].read_text()
        assert ("passed" if student == "ada" else "is not implemented yet") in text


def test_fetched_feedback_holds_no_line_students_must_not_see(semester):
    _, homes, _ = semester
    forbidden = leaks.forbidden_lines()
    for home in homes.values():
        assert leaks.scan(home / A / "feedback", forbidden) == []


def test_what_students_fetch_holds_no_solution(semester):
    _, homes, _ = semester
    forbidden = leaks.forbidden_lines()
    fetched = homes["bob"] / A
    shutil.rmtree(fetched / "feedback")
    assert leaks.scan(fetched, forbidden) == []
