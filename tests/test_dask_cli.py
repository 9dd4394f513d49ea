"""A real Dask cluster grades what one process grades: ``dask scheduler`` and two ``dask worker``
processes on 127.0.0.1, started outside the checkout with nothing but the installed course.

Before the course was a package, the scheduler and the workers both failed with
``No module named 'autograder'`` unless PYTHONPATH pointed into a checkout.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest

from autograder import build, grade, sample_class
from autograder.manifest import by_name
from autograder.paths import Course, venv_bin
from autograder.sandbox import sandbox_available

from instructor_support import A, clean_env, tdn

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not sandbox_available(), reason="bubblewrap is not installed")]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = Course(tmp_path_factory.mktemp("dask") / "course")
    build.build(course, [A], echo=lambda *a: None)
    sample_class.generate(course, [by_name(A)])
    return course


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """The scheduler's address; scheduler and workers run in an empty directory."""
    where = tmp_path_factory.mktemp("cluster-home")
    info = where / "scheduler.json"
    env = clean_env()
    dask = str(venv_bin() / "dask")
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", "0",
                               "--no-dashboard", "--scheduler-file", str(info)],
                              cwd=where, env=env, stdout=subprocess.DEVNULL,
                              stderr=open(where / "scheduler.log", "w"),
                              start_new_session=True)]
    try:
        deadline = time.monotonic() + 60
        while not info.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert info.exists(), (where / "scheduler.log").read_text()[-2000:]
        address = json.loads(info.read_text())["address"]
        for i in range(2):
            procs.append(subprocess.Popen(
                [dask, "worker", address, "--nthreads", "1", "--no-dashboard",
                 "--host", "127.0.0.1", "--name", f"worker{i}"],
                cwd=where, env=env, stdout=subprocess.DEVNULL,
                stderr=open(where / f"worker{i}.log", "w"), start_new_session=True))
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=120)
        yield address, where
    finally:
        for proc in procs:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def _table(course):
    rows = grade.read_export(course.exports / "grades.csv")
    return {(r["student"], r["assignment"]): r for r in rows}, grade.table(rows)


def test_a_dask_cli_cluster_grades_the_sample_class_to_the_table_of_one_process(course,
                                                                               cluster):
    address, where = cluster
    serial = tdn(course.root, "grade", "--jobs", "1", cwd=where)
    assert serial.returncode == 0, serial.stderr[-2000:]
    one_process = _table(course)
    done = tdn(course.root, "grade", "--scheduler", address, cwd=where)
    assert done.returncode == 0, (done.stderr[-2000:],
                                  (where / "worker0.log").read_text()[-2000:])
    assert f"on the Dask cluster at {address}" in done.stdout
    assert _table(course) == one_process
    assert "No module named" not in "".join(
        (where / name).read_text() for name in ("scheduler.log", "worker0.log", "worker1.log"))
