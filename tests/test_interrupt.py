"""Ctrl-C during ``tdn grade``, at a random moment, then ``tdn grade`` again (assignment 00).

The interrupted run stops at once with one line, kills its workers and kernels,
leaves every finished submission recorded and nothing half-written; the run
after it completes the job with the table of a run never interrupted.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from autograder import build, grade, sample_class
from autograder.manifest import by_name
from autograder.paths import Course
from autograder.sandbox import sandbox_available

from instructor_support import A, clean_env, tdn, tdn_path

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not sandbox_available(), reason="bubblewrap is not installed")]

PREFIX = "sigint"   # students' names; a job's temporary course is named grade-<student>-…


@pytest.fixture(scope="module")
def courses(tmp_path_factory):
    """Two identical courses: one graded without interruption, one to interrupt."""
    base = tmp_path_factory.mktemp("interrupt")
    quiet = Course(base / "quiet")
    build.build(quiet, [A], echo=lambda *a: None)
    sample_class.generate(quiet, [by_name(A)])
    for i, kind in enumerate(("perfect", "buggy")):
        shutil.copytree(quiet.submitted / kind / A, quiet.submitted / f"{PREFIX}{i}_{kind}" / A)
    loud = Course(base / "loud")
    shutil.copytree(quiet.root, loud.root, symlinks=True)
    (loud.root / "nbgrader_config.py").write_text(
        (quiet.root / "nbgrader_config.py").read_text().replace(str(quiet.root), str(loud.root)))
    grade.grade_all(quiet, [A], jobs=2, echo=lambda *a: None)
    return quiet, loud


def _rows(course):
    return {(r["student"], r["assignment"]): r for r in grade.read_export(grade.export(course))}


def _our_processes() -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if f"grade-{PREFIX}" in cmd:
                found.append(cmd[:200])
    return found


@pytest.fixture(scope="module")
def interrupted(courses):
    """Ctrl-C (to the whole process group, as a terminal sends it) once grading is under way."""
    _, loud = courses
    proc = subprocess.Popen([str(tdn_path()), "--course-dir", str(loud.root), "grade",
                             "--jobs", "2"], cwd=loud.root.parent, env=clean_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    lines = []
    for line in proc.stdout:   # wait until a submission has been graded by a worker
        lines.append(line)
        if "graded (" in line:
            break
    time.sleep(random.uniform(0.0, 1.5))
    if proc.poll() is not None:
        pytest.fail("grading finished before it could be interrupted: grade more submissions")
    sent = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    took = time.monotonic() - sent
    time.sleep(1.0)
    return proc.returncode, "".join(lines) + out, err, took, _our_processes()


def test_ctrl_c_stops_at_once_with_one_line(interrupted):
    code, out, err, took, _ = interrupted
    assert code == 130, (out, err)
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("tdn: interrupted: "), err
    # Generous for a loaded two-core machine; before, it took up to 11 s or never came.
    assert took < 6.0


def test_ctrl_c_leaves_no_worker_or_kernel_running(interrupted):
    assert interrupted[4] == []


def test_what_was_recorded_is_whole_and_agrees_with_the_gradebook(courses, interrupted):
    quiet, loud = courses
    statuses = json.loads((loud.root / "grading_status.json").read_text())
    expected = _rows(quiet)
    for (student, assignment), row in _rows(loud).items():
        if f"{student}/{assignment}" in statuses:
            assert row == expected[(student, assignment)], row
        else:
            assert row["status"] == "not graded yet" and row["score"] == "0", row
    assert not list(loud.root.rglob(".*.tmp")) and not list(loud.root.rglob(".*.new"))


def test_the_count_in_the_message_is_what_was_recorded(courses, interrupted):
    _, loud = courses
    statuses = json.loads((loud.root / "grading_status.json").read_text())
    done = int(interrupted[2].split("interrupted: ")[1].split(" of ")[0])
    assert done == len(statuses)


def test_grading_again_completes_the_job_with_the_uninterrupted_table(courses, interrupted):
    quiet, loud = courses
    done = tdn(loud.root, "grade", "--jobs", "2")
    assert done.returncode == 0, done.stderr[-2000:]
    assert _rows(loud) == _rows(quiet)
    assert grade.table(list(_rows(loud).values())) == grade.table(list(_rows(quiet).values()))
