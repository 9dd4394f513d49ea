"""The gradebook on a PostgreSQL server: the class grades to the same table as with SQLite.

The test starts its own PostgreSQL server (Debian's ``postgresql`` package; as the
``postgres`` user when run as root, since the server refuses to run as root) on
127.0.0.1 with a fresh data folder, builds assignment 00 with its sample class
twice — once with the default SQLite gradebook, once with ``gradebook_url``
naming a database on that server — grades both with two workers, and compares the
exports. Skips, saying why, where PostgreSQL or the ``psycopg`` driver is missing.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from autograder import build, coordinator, gradebook, grade, sample_class
from autograder.manifest import by_name
from autograder.paths import Course
from autograder.sandbox import sandbox_available

A = "00_gradient_checking"

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not sandbox_available(), reason="bubblewrap is not installed: "
                                 "grading refuses to run (tests/test_instructor_cli.py)")]


def _server_binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"),
                   key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("postgres")
    return Path(on_path).parent if on_path else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    """A PostgreSQL server of its own on 127.0.0.1; yields the URL of its ``tdn`` role."""
    pytest.importorskip("psycopg", reason="the psycopg driver is not installed "
                        "(pip install -r requirements-postgres.txt)")
    binaries = _server_binaries()
    if binaries is None:
        pytest.skip("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    run_as: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="tdn-postgres-"))
    if os.getuid() == 0:   # the server refuses to run as root
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres user to run the server as")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        runuser = shutil.which("runuser", path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"]))
        if runuser is None:
            pytest.skip("running as root and there is no runuser to start the server as postgres")
        run_as = [runuser, "-u", "postgres", "--"]
    data, port = folder / "data", _free_port()
    subprocess.run([*run_as, str(binaries / "initdb"), "-D", str(data), "-U", "tdn",
                    "--auth=trust", "-E", "UTF8", "--no-sync"],
                   check=True, capture_output=True)
    proc = subprocess.Popen([*run_as, str(binaries / "postgres"), "-D", str(data),
                             "-p", str(port), "-h", "127.0.0.1", "-k", str(folder),
                             "-c", "fsync=off"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"postgresql+psycopg://tdn@127.0.0.1:{port}"
    try:
        import psycopg

        deadline = time.monotonic() + 60
        while True:
            try:
                with psycopg.connect(f"host=127.0.0.1 port={port} user=tdn dbname=postgres",
                                     autocommit=True) as con:
                    con.execute("CREATE DATABASE course")
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("the PostgreSQL server did not start within 60 s")
                time.sleep(0.3)
        yield f"{url}/course"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(folder, ignore_errors=True)


def _graded(course: Course) -> dict:
    build.build(course, [A], echo=lambda *a: None)
    sample_class.generate(course, [by_name(A)])
    grade.grade_all(course, [A], jobs=2, echo=lambda *a: None)
    return {(r["student"], r["assignment"]): r
            for r in grade.read_export(grade.export(course))}


@pytest.fixture(scope="module")
def both(server, tmp_path_factory):
    """The same class graded with SQLite and with the PostgreSQL gradebook."""
    lite = Course(tmp_path_factory.mktemp("sqlite"))
    pg = Course(tmp_path_factory.mktemp("postgres"))
    gradebook.set_url(pg.root, server)
    return _graded(lite), _graded(pg), pg, server


def test_the_class_grades_to_the_same_table_with_postgresql(both):
    lite, pg, _, _ = both
    assert pg == lite
    assert {r["status"] for r in pg.values()} >= {"graded"}
    assert any(r["status"].startswith("failed: notebook is not valid JSON") for r in pg.values())


def test_the_grades_are_in_the_database_not_in_a_sqlite_file(both):
    from nbgrader.api import Gradebook

    _, rows, course, url = both
    assert course.db_url == url
    assert not course.gradebook.exists()
    with Gradebook(url) as gb:
        scores = {s.student.id: s.score for s in gb.assignment_submissions(A)}
    # every submission has its row, the one that could not be graded with 0 points
    submitted = {s: float(r["score"]) for (s, _), r in rows.items()}
    assert scores == pytest.approx(submitted) and len(submitted) == 4


def test_a_backup_of_a_postgresql_gradebook_is_a_sqlite_copy_of_every_row(both, tmp_path):
    from sqlalchemy import create_engine, text

    _, _, course, url = both
    copy = gradebook.backup(url, tmp_path)
    engine = create_engine(url)
    try:
        with engine.connect() as con:
            for table in ("student", "submitted_assignment", "grade", "comment", "base_cell"):
                expected = con.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar()
                with sqlite3.connect(copy) as lite:
                    assert lite.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == expected
                assert expected > 0, table
    finally:
        engine.dispose()
    assert list((course.root / "backups").glob("gradebook-*.db")), "grade made no backup"


def test_the_workers_template_has_the_cells_and_no_student(both, tmp_path):
    _, _, _, url = both
    path = tmp_path / "template.db"
    path.write_bytes(gradebook.template(url))
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT COUNT(*) FROM grade_cells").fetchone()[0] > 0
        assert con.execute("SELECT COUNT(*) FROM student").fetchone()[0] == 0
        assert con.execute("SELECT COUNT(*) FROM grade").fetchone()[0] == 0


def test_an_unreachable_server_is_one_sentence(tmp_path):
    pytest.importorskip("psycopg", reason="the psycopg driver is not installed")
    course = Course(tmp_path / "course")
    gradebook.set_url(course.root, f"postgresql+psycopg://tdn@127.0.0.1:{_free_port()}/x")
    with pytest.raises(coordinator.GradingError, match=r"^cannot reach the gradebook at "
                       r"postgresql\+psycopg://tdn@127\.0\.0\.1:\d+/x \(.*\): start the database"):
        coordinator.check_gradebook(course)
