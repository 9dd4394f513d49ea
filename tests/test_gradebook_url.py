"""Where a course keeps its grades: gradebook.db by default, or the database of gradebook_url."""
from __future__ import annotations

import pytest

from autograder import gradebook
from autograder.paths import Course


def test_a_course_keeps_its_grades_in_gradebook_db_by_default(tmp_path):
    assert Course(tmp_path).db_url == f"sqlite:///{tmp_path / 'gradebook.db'}"


def test_the_url_given_once_is_the_course_s_from_then_on(tmp_path):
    url = "postgresql+psycopg://grader@db.example.org/tdn"
    gradebook.set_url(tmp_path / "course", url)
    assert Course(tmp_path / "course").db_url == url
    gradebook.set_url(tmp_path / "course", url)   # the same again changes nothing
    assert (tmp_path / "course" / gradebook.URL_FILE).read_text() == url + "\n"


def test_a_password_in_the_url_is_refused(tmp_path):
    with pytest.raises(gradebook.GradebookError, match="keep the password out"):
        gradebook.set_url(tmp_path, "postgresql+psycopg://grader:secret@db/tdn")
    assert not (tmp_path / gradebook.URL_FILE).exists()


def test_a_course_with_grades_elsewhere_is_not_moved_silently(tmp_path):
    (tmp_path / "gradebook.db").write_bytes(b"")
    with pytest.raises(gradebook.GradebookError, match="already keeps its grades in sqlite"):
        gradebook.set_url(tmp_path, "postgresql+psycopg://grader@db/tdn")
    gradebook.set_url(tmp_path / "b", "postgresql+psycopg://grader@db/one")
    with pytest.raises(gradebook.GradebookError, match="already keeps its grades in "
                       "postgresql"):
        gradebook.set_url(tmp_path / "b", "postgresql+psycopg://grader@db/two")


def test_a_url_that_is_no_url_is_refused(tmp_path):
    with pytest.raises(gradebook.GradebookError, match="is not a database URL"):
        gradebook.set_url(tmp_path, "not a url")
