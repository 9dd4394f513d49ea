"""The ``tdn`` command as an instructor meets it, run from outside the checkout (assignment 00).

Safe or nothing without bubblewrap; ordinary notebook slips graded, not failed;
every anticipated error one line with its fix; the export derived from what
exists; nbgrader's own ``export`` with the status column.
"""
from __future__ import annotations

import hashlib
import shutil
import socket
import subprocess

import pytest

from autograder import build, coordinator, grade, hostile, sample_class
from autograder.manifest import by_name
from autograder.paths import Course
from autograder.sandbox import sandbox_available

from instructor_support import A, SLIPS, clean_env, error_lines, tdn, tdn_path, write_slips

pytestmark = pytest.mark.slow

NO_BWRAP = {"COURSE_GRADE_BWRAP": "/nonexistent/bwrap"}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = Course(tmp_path_factory.mktemp("instructor") / "course")
    build.build(course, [A], echo=lambda *a: None)
    sample_class.generate(course, [by_name(A)])
    write_slips(course)
    dest = course.submitted / "h_write_gradebook" / A
    shutil.copytree(course.submitted / "stub" / A, dest)
    hostile.write_gradebook(dest, course)
    return course


@pytest.fixture(scope="module")
def graded(course):
    if not sandbox_available():
        pytest.skip("bubblewrap is not installed: grading refuses (tested below)")
    done = tdn(course.root, "grade", "--jobs", "2")
    assert done.returncode == 0, done.stderr[-2000:]
    rows = {r["student"]: r for r in grade.read_export(course.exports / "grades.csv")}
    return done, rows


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ------------------------------------------------------------------ safe or nothing
def test_without_bubblewrap_grading_refuses_in_one_sentence_and_changes_nothing(course):
    before = _sha(course.gradebook)
    done = tdn(course.root, "grade", **NO_BWRAP)
    assert done.returncode == 2
    (line,) = error_lines(done)
    assert "bubblewrap" in line and "apt-get install bubblewrap" in line
    assert "--no-sandbox" in line
    assert _sha(course.gradebook) == before
    assert not (course.autograded / "h_write_gradebook").exists()


def test_no_sandbox_grades_and_says_unisolated_in_the_output_export_and_report(course, graded):
    done = tdn(course.root, "grade", "--no-sandbox", "--student", "perfect", **NO_BWRAP)
    assert done.returncode == 0, done.stderr
    assert "UNISOLATED" in done.stdout
    assert "Grading 1 submissions" in done.stdout
    row = {r["student"]: r for r in grade.read_export(course.exports / "grades.csv")}["perfect"]
    assert row["notes"].startswith("unisolated")
    assert "graded unisolated" in (course.exports / "report.html").read_text()
    assert graded[1]["perfect"]["notes"] == ""


@pytest.mark.skipif(not sandbox_available(), reason="bubblewrap is not installed")
def test_a_module_that_writes_the_gradebook_changes_no_score(graded):
    _, rows = graded
    assert rows["h_write_gradebook"]["status"] == "graded"
    assert float(rows["h_write_gradebook"]["auto_score"]) == 0.0
    assert float(rows["perfect"]["auto_score"]) == float(rows["perfect"]["auto_max_score"])


def test_new_grades_only_what_was_collected_since_the_last_run(course, graded):
    done = tdn(course.root, "grade", "--new", "--student", "stub", "buggy")
    assert done.returncode == 2
    (line,) = error_lines(done)
    assert "was graded as it is now" in line
    # what `nbgrader collect --update` does when a student submits again
    (course.submitted / "buggy" / A / "timestamp.txt").write_text("2026-11-21 09:00:00 UTC")
    done = tdn(course.root, "grade", "--new", "--student", "stub", "buggy")
    assert done.returncode == 0, done.stderr
    assert "Grading 1 submissions" in done.stdout and "[1/1]      buggy" in done.stdout


# ------------------------------------------------------------------ progress, backups
def test_progress_counts_every_submission_including_the_ungradable(course, graded):
    done, rows = graded
    total = len(list(course.submitted.iterdir()))
    for k in range(1, total + 1):
        assert f"[{k}/{total}]" in done.stdout
    assert "broken" in done.stdout.split(f"[1/{total}]")[1].splitlines()[0]


def test_each_run_backs_up_the_gradebook_first(course, graded):
    from nbgrader.api import Gradebook

    kept = sorted(coordinator.backups_dir(course).glob("gradebook-*.db"))
    assert kept
    with Gradebook(f"sqlite:///{kept[-1]}") as gb:
        assert gb.find_assignment(A).max_score > 0


# ------------------------------------------------------------------ slips
@pytest.mark.parametrize("student", list(SLIPS))
def test_an_ordinary_slip_is_graded_and_named_in_status_and_feedback(course, graded, student):
    _, rows = graded
    row, words = rows[student], SLIPS[student][1]
    assert row["status"].startswith("graded (notebook repaired: "), row
    assert words in row["status"]
    expected = rows["perfect"]["auto_score"]
    assert row["auto_score"] == expected, row
    page = (course.feedback / student / A / f"{A}.html").read_text()
    assert "the grader repaired your notebook" in page and words.split("'")[0] in page


# ------------------------------------------------------------------ errors
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _without_gradebook(course, tmp_path):
    other = Course(tmp_path / "course")
    shutil.copytree(course.root, other.root, ignore=shutil.ignore_patterns("gradebook.db",
                                                                             "backups"))
    return other


def _corrupt_gradebook(course, tmp_path):
    other = Course(tmp_path / "course")
    shutil.copytree(course.root, other.root)
    other.gradebook.write_bytes(b"this is not SQLite" * 100)
    (other.root / "backups").mkdir(exist_ok=True)
    shutil.copy2(course.gradebook, other.root / "backups" / "gradebook-29991231T000000Z.db")
    return other


ERRORS = {
    "unknown assignment": (lambda c, t: c, ["grade", "99_nope"],
                           "unknown assignment 99_nope; known: 00_gradient_checking"),
    "nothing to grade": (lambda c, t: c, ["grade", "--student", "nobody"],
                         "nothing to grade: no submissions of nobody"),
    "missing gradebook": (_without_gradebook, ["grade"], "no gradebook at"),
    "corrupt gradebook": (_corrupt_gradebook, ["grade"],
                          "is not a readable nbgrader gradebook"),
    "unreachable scheduler": (lambda c, t: c, ["grade", "--scheduler", "PORT"],
                              "cannot reach the Dask scheduler at tcp://127.0.0.1:"),
    "sample of an unknown assignment": (lambda c, t: c, ["sample", "99_nope"],
                                        "unknown assignment 99_nope"),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_an_anticipated_error_is_one_line_with_its_fix_and_a_nonzero_exit(course, tmp_path,
                                                                        capsys, case):
    """The command's own code, in this process (the installed command: the tests around)."""
    from autograder import cli

    where, args, message = ERRORS[case]
    target = where(course, tmp_path)
    args = [f"tcp://127.0.0.1:{_free_port()}" if a == "PORT" else a for a in args]
    stamp = (course.submitted / "perfect" / A / "timestamp.txt").stat().st_mtime_ns
    capsys.readouterr()
    status = cli.main(["--course-dir", str(target.root), *args])
    err = capsys.readouterr().err
    assert status == 2, err
    (line,) = [x for x in err.splitlines() if x.strip()]
    assert message in line and "Traceback" not in err
    assert (course.submitted / "perfect" / A / "timestamp.txt").stat().st_mtime_ns == stamp


def test_an_unknown_assignment_is_one_line_from_the_installed_command_too(course):
    done = tdn(course.root, "grade", "99_nope")
    assert done.returncode == 2
    (line,) = error_lines(done)
    assert line.startswith("tdn: unknown assignment 99_nope")


def test_the_corrupt_gradebook_message_says_how_to_restore_the_backup(course, tmp_path):
    other = _corrupt_gradebook(course, tmp_path)
    (line,) = error_lines(tdn(other.root, "grade"))
    assert f"cp {other.root / 'backups' / 'gradebook-29991231T000000Z.db'} {other.gradebook}" \
        in line


def test_debug_shows_the_traceback(course):
    done = tdn(course.root, "--debug", "grade", "99_nope")
    assert done.returncode != 0 and "Traceback" in done.stderr


def test_a_second_grade_on_the_same_course_is_refused_while_one_runs(course):
    with coordinator.course_lock(course):
        done = tdn(course.root, "grade")
    assert done.returncode == 2
    (line,) = error_lines(done)
    assert "another grade is running" in line and "pid" in line


# ------------------------------------------------------------------ export
def test_the_export_says_not_submitted_for_a_submission_that_no_longer_exists(course, graded):
    shutil.copytree(course.submitted / "perfect" / A, course.submitted / "ghost" / A)
    assert tdn(course.root, "grade", "--student", "ghost").returncode == 0
    shutil.rmtree(course.submitted / "ghost")
    shutil.copytree(course.submitted / "perfect" / A, course.submitted / "late" / A)
    try:
        done = tdn(course.root, "export")
        assert done.returncode == 0, done.stderr
        rows = {r["student"]: r for r in grade.read_export(course.exports / "grades.csv")}
        assert rows["ghost"]["status"] == "not submitted" and rows["ghost"]["score"] == "0"
        assert rows["late"]["status"] == "not graded yet" and rows["late"]["score"] == "0"
        assert "not graded yet: run `tdn grade` again" in done.stdout
    finally:
        shutil.rmtree(course.submitted / "late")


def test_nbgrader_export_writes_the_same_grades_with_their_status(course, graded, tmp_path):
    ours = grade.read_export(grade.export(course))
    done = tdn(course.root, "nbgrader", "export", "--to", str(tmp_path / "nb.csv"))
    assert done.returncode == 0, done.stderr[-2000:]
    assert grade.read_export(tmp_path / "nb.csv") == ours
    assert "status" in (tmp_path / "nb.csv").read_text().splitlines()[0]


def test_an_imported_roster_gives_every_student_a_row(course, graded, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("id,first_name,last_name,email\nzoe,Zoe,Zeta,zoe@example.org\n")
    done = tdn(course.root, "nbgrader", "db", "student", "import", str(roster))
    assert done.returncode == 0, done.stderr[-2000:]
    assert tdn(course.root, "export").returncode == 0
    rows = {r["student"]: r for r in grade.read_export(course.exports / "grades.csv")}
    assert rows["zoe"]["status"] == "not submitted" and rows["zoe"]["assignment"] == A


def test_output_cut_short_by_the_reader_is_not_an_error(course):
    # `tdn parts | head -1`: the reader closes the pipe after one line
    listing = subprocess.Popen(f"'{tdn_path()}' --course-dir '{course.root}' parts | head -1",
                               shell=True, cwd=course.root.parent, env=clean_env(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = listing.communicate(timeout=120)
    assert out.strip() and len(out.splitlines()) == 1
    assert err == "", err


def test_progress_lines_align_however_long_the_student_ids(graded):
    done, _ = graded
    lines = [line for line in done.stdout.splitlines() if line.startswith("  [")]
    assert max(len(line.split("]")[1].split()[0]) for line in lines) > 10   # long ids are there
    # after the count ([k/N]), the assignment starts at the same place on every line
    assert len({line.index(A) - line.index("]") for line in lines}) == 1, "\n".join(lines)
