"""What makes a submission cheaper changes nothing a student gets: the re-check's
reference side in the worker's own process, the worker's kept gradebook engine, the
feedback page without nbconvert's second parse (benchmarks/stages.py measures them)."""
from __future__ import annotations

import base64
import os
import re
import shutil
import sys
import threading
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from autograder import modules, probes, verify, worker
from autograder.paths import LIB, Course

TASKS = ["relu_forward", "relu_backward", "softmax_loss", "adam", "dropout_forward",
         "batchnorm_forward"]


def test_the_reference_side_judges_as_a_process_of_its_own_does():
    here, here_errors = verify.reference_side(LIB.parent, TASKS, seed=11)
    alone, alone_errors, _ = verify.run_side(LIB.parent, TASKS, seed=11, limits=None)
    assert here_errors == alone_errors == {}
    assert sorted(here) == sorted(alone)
    for task in TASKS:
        assert probes.judge(task, here, alone, alone_errors) is None, task


def _copy_with_wrong_relu(tmp_path: Path) -> Path:
    shutil.copytree(LIB, tmp_path / "course_lib",
                    ignore=shutil.ignore_patterns("__pycache__"))
    path = tmp_path / "course_lib" / "activations.py"
    path.write_text(path.read_text() + "\n\ndef relu_forward(x):\n    return x, x\n")
    return tmp_path


def test_the_reference_side_runs_the_copy_it_is_given(tmp_path):
    copy = _copy_with_wrong_relu(tmp_path)
    ours, _ = probes.run_probes(["relu_forward"], seed=5)
    theirs, errors = verify.reference_side(copy, ["relu_forward"], seed=5)
    assert errors == {}
    assert probes.judge("relu_forward", ours, theirs, errors) is not None


def test_the_reference_side_puts_this_process_s_course_lib_back(tmp_path):
    import course_lib.activations as before

    copy = _copy_with_wrong_relu(tmp_path)
    verify.reference_side(copy, ["relu_forward"], seed=5)
    assert sys.modules["course_lib.activations"] is before
    assert str(copy) not in sys.path
    assert not any(Path(getattr(m, "__file__", None) or "/").is_relative_to(copy)
                   for name, m in sys.modules.items() if name.startswith("course_lib"))


@pytest.fixture(autouse=True)
def _alembic_on_path(monkeypatch):
    # nbgrader's Gradebook runs `alembic` from PATH, which need not hold this environment's bin
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))


@pytest.fixture
def template(tmp_path):
    """A worker's gradebook template: an assignment, no student."""
    from nbgrader.api import Gradebook

    path = tmp_path / "template.db"
    with Gradebook(f"sqlite:///{path}") as gb:
        gb.add_assignment("00_gradient_checking")
    return path.read_bytes()


def _in_a_thread(run):
    """``run()`` in a new thread (a worker thread of its own); its value or its exception."""
    out = {}

    def target():
        try:
            out["value"] = run()
        except BaseException as exc:  # noqa: BLE001 - raised again below
            out["error"] = exc
    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in out:
        raise out["error"]
    return out["value"]


def _course(path: Path) -> Course:
    path.mkdir(parents=True)
    return Course(path)


def test_a_private_gradebook_holds_no_student_of_the_job_before(tmp_path, template):
    from nbgrader.api import Gradebook

    def two_jobs():
        first = worker.private_gradebook(_course(tmp_path / "a"), template)
        with Gradebook(first) as gb:
            gb.add_student("alice")
        with Gradebook(first) as gb:
            graded = [s.id for s in gb.students]
        second = worker.private_gradebook(_course(tmp_path / "b"), template)
        with Gradebook(second) as gb:
            return first, second, graded, [s.id for s in gb.students]

    first, second, graded, students = _in_a_thread(two_jobs)
    assert first == second   # the same place, so the same kept engine
    assert graded == ["alice"]
    assert students == []


def test_each_worker_thread_has_a_private_gradebook_of_its_own(tmp_path, template):
    urls = [_in_a_thread(lambda n=n: worker.private_gradebook(_course(tmp_path / str(n)),
                                                               template)) for n in range(2)]
    assert urls[0] != urls[1]
    assert all(Course(tmp_path / str(n)).db_url == urls[n] for n in range(2))
    assert not any(Path(u.removeprefix("sqlite:///")).is_relative_to(tmp_path) for u in urls)


def test_only_a_private_gradebook_keeps_its_engine(tmp_path, template):
    import nbgrader.api as api

    url = _in_a_thread(lambda: worker.private_gradebook(_course(tmp_path / "a"), template))
    other = f"sqlite:///{tmp_path / 'course.db'}"
    assert api.create_engine(url) is api.create_engine(url)
    first, second = api.create_engine(other), api.create_engine(other)
    try:
        assert first is not second
    finally:
        first.dispose()
        second.dispose()


PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000050001"
    "0d0a2db40000000049454e44ae426082")).decode()


def _page(exporter_class, nb) -> str:
    from nbgrader.converters import GenerateFeedback
    from traitlets.config import Config

    # the exporter's configuration as nbgrader's generate_feedback gives it
    converter = GenerateFeedback(config=Config())
    exporter = exporter_class(config=converter.config)
    resources = {"nbgrader": {"notebook": "00_gradient_checking", "score": 3.0,
                              "max_score": 4.0, "late_penalty": 0.0}}
    return exporter.from_notebook_node(nb, resources=resources)[0]


def test_the_feedback_page_reads_as_nbconvert_s_and_every_image_has_a_description():
    from nbconvert.exporters import HTMLExporter

    from autograder.feedback import FeedbackExporter

    nb = new_notebook(cells=[
        new_markdown_cell("# Feedback <b>&</b> 'quotes' \"too\""),
        new_code_cell("x = {'a': 1} < 2 & 3\nprint(x)", execution_count=1, outputs=[
            new_output("stream", name="stdout", text="<tag> & 'x'\n"),
            new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"}),
            new_output("display_data", data={"text/html": '<img src="a.png" alt="given">'}),
        ]),
    ], metadata={"language_info": {"name": "python"}})
    theirs, ours = _page(HTMLExporter, nb), _page(FeedbackExporter, nb)
    page = Path("feedback.html")

    def words(text):
        return re.sub(r"\s+", " ", modules.readable_text(page, text)).strip()

    assert words(ours) == words(theirs)
    images = re.findall(r"<img\b[^>]*>", ours)
    assert len(images) == 2
    assert all(re.search(r"\balt=", tag) for tag in images)
    assert 'alt="given"' in ours


def test_the_private_gradebooks_of_a_killed_worker_are_removed_and_a_running_one_s_kept(tmp_path):
    import subprocess
    import tempfile

    ended = subprocess.Popen(["true"])
    ended.wait()
    running = subprocess.Popen(["sleep", "60"])
    try:
        root = Path(tempfile.gettempdir())
        orphan = root / f"{worker.PRIVATE_PREFIX}{ended.pid}-test{os.getpid()}"
        alive = root / f"{worker.PRIVATE_PREFIX}{running.pid}-test{os.getpid()}"
        for folder in (orphan, alive):
            folder.mkdir()
            (folder / "gradebook.db").write_bytes(b"a student's grades")
        removed = worker.remove_orphan_gradebooks()
        assert orphan in removed and not orphan.exists()
        assert alive.exists()
    finally:
        running.kill()
        running.wait()
        shutil.rmtree(alive, ignore_errors=True)
        shutil.rmtree(orphan, ignore_errors=True)
