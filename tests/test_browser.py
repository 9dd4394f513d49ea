"""End to end in a real browser: JupyterLab, a student's copy, an instructor's notebook.

The autograder builds the course into a temp dir. A student's JupyterLab (the
``make lab`` configuration: formgrader and create-assignment switched off) is
opened on a copy of the released ``01_activations``; Chromium, driven by
Python Playwright, runs the notebook as a student would:

1. Run All Cells on the stubs: the first graded check stops the run with one
   friendly sentence (no traceback) that names the function and the file.
2. A correct ``course_lib/activations.py`` is saved through the server (as
   JupyterLab's editor saves it); the cells are re-run up to the activation
   explorer without restarting the kernel (autoreload picks the module up):
   every check passes and moving the explorer's slider redraws its plot.

An instructor's JupyterLab (all nbgrader extensions) opens the source of
``00_gradient_checking`` and clicks nbgrader's Validate button, which must
report success. Screenshots of each step go to a temp dir and to
``<repo>/screenshots/`` (git-ignored).

Needs Debian's Chromium (``apt-get install chromium``) and ``pip install
playwright``; skipped with the reason otherwise. ``playwright install`` is
never needed.
"""
from __future__ import annotations

import re
import shutil
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import browser_support as bs  # noqa: E402

_missing = bs.missing_reason()
if _missing:
    pytest.skip(f"browser test skipped: {_missing}", allow_module_level=True)

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from autograder import build, modules, points, sample_class, student_lab  # noqa: E402
from autograder.manifest import by_name  # noqa: E402
from autograder.paths import REPO, Course, nbgrader_env  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]

STUDENT_ASSIGNMENT = "01_activations"
INSTRUCTOR_ASSIGNMENT = "00_gradient_checking"  # the quickest notebook to validate
SCREENSHOTS = REPO / "screenshots"
STDERR = '[data-mime-type="application/vnd.jupyter.stderr"]'
FRIENDLY_STUB = re.compile(
    r"CheckFailed: (?P<name>\w+) is not implemented yet: open course_lib/(?P<module>\w+)\.py, "
    r"find `def (?P=name)` and replace `raise NotImplementedError\(\)` with your code\.")


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Course:
    """The course built by the autograder: 00 and 01 released (00's source is the instructor's)."""
    course = Course(tmp_path_factory.mktemp("course"))
    build.build(course, [INSTRUCTOR_ASSIGNMENT, STUDENT_ASSIGNMENT], echo=lambda *a: None)
    assert (course.release / STUDENT_ASSIGNMENT / f"{STUDENT_ASSIGNMENT}.ipynb").exists(), \
        f"the build released no {STUDENT_ASSIGNMENT}"
    return course


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    directory = tmp_path_factory.mktemp("screenshots")
    yield directory
    bs.copy_screenshots(directory, SCREENSHOTS)


@pytest.fixture(scope="module")
def servers(course, tmp_path_factory):
    """A student's and an instructor's JupyterLab, started side by side."""
    work = tmp_path_factory.mktemp("lab")
    # The student's copy, laid out as `make lab` lays it out (course/student/<assignment>).
    student_root = student_lab.student_root(course)
    shutil.copytree(course.release / STUDENT_ASSIGNMENT, student_root / STUDENT_ASSIGNMENT)
    # A student who finished 00 in its own folder: 01's first cell carries that work over.
    finished = student_root / INSTRUCTOR_ASSIGNMENT
    shutil.copytree(course.release / INSTRUCTOR_ASSIGNMENT, finished)
    for module in by_name(INSTRUCTOR_ASSIGNMENT).modules:
        (finished / "course_lib" / f"{module}.py").write_text(
            sample_class.reference_module(module))
    config = student_lab.write_config(student_lab.config_dir(course))
    student_env = bs.isolated_jupyter_env(work / "student-home", student_lab.environment(config))
    instructor_env = bs.isolated_jupyter_env(work / "instructor-home", nbgrader_env())
    instructor_env.pop("MPLBACKEND", None)
    student = bs.LabServer(student_root, student_root, student_env, work / "student-lab.log")
    # The instructor works in the course root, where nbgrader_config.py is: the
    # Validate handler reads its config from the server's working directory.
    instructor = bs.LabServer(course.root, course.root, instructor_env,
                              work / "instructor-lab.log")
    with ExitStack() as stack:
        for server in (student, instructor):
            server.start()
            stack.callback(server.stop)
        for server in (student, instructor):
            server.wait_ready()
        yield {"student": student, "instructor": instructor}


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = bs.launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page_for(browser, shots, request):
    """``page_for(server)``: a fresh browser page; a failing test leaves a screenshot."""
    pages = []
    failures_before = request.session.testsfailed

    def make(server):
        context = browser.new_context(viewport=bs.VIEWPORT)
        context.set_default_timeout(30_000)
        page = context.new_page()
        pages.append(page)
        return page

    yield make
    for page in pages:
        if request.session.testsfailed > failures_before:
            page.screenshot(path=shots / f"FAILED-{request.node.name}.png")
        page.context.close()


# ------------------------------------------------------------------ helpers


def graded_cells(notebook: Path) -> list[tuple[int, str]]:
    """``(cell index, grade_id)`` of the notebook's graded code cells."""
    nb = nbformat.read(notebook, as_version=4)
    return [(i, cell.metadata["nbgrader"]["grade_id"]) for i, cell in enumerate(nb.cells)
            if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade")]


def explorer_cell(notebook: Path) -> int:
    nb = nbformat.read(notebook, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "activation_explorer(" in cell.source:
            return i
    raise AssertionError(f"{notebook.name} has no activation explorer cell")


def nbgrader_menu(page) -> str:
    page.get_by_role("menuitem", name="Nbgrader", exact=True).click()
    text = page.locator(".lm-Menu").inner_text()
    page.keyboard.press("Escape")
    return text


def elapsed(start: float) -> str:
    return f"{time.monotonic() - start:.1f} s"


# ------------------------------------------------------------------ tests


def test_student_runs_notebook_01_from_stub_to_passing_checks_and_a_live_widget(
        servers, course, page_for, shots):
    start = time.monotonic()
    server = servers["student"]
    folder = student_lab.student_root(course) / STUDENT_ASSIGNMENT
    notebook = folder / f"{STUDENT_ASSIGNMENT}.ipynb"
    graded = graded_cells(notebook)
    explorer = explorer_cell(notebook)
    page = page_for(server)
    bs.open_notebook(page, server, f"{STUDENT_ASSIGNMENT}/{notebook.name}")
    cells = page.locator(bs.ACTIVE_PANEL + " .jp-Notebook .jp-Cell")
    assert cells.count() == len(nbformat.read(notebook, as_version=4).cells)
    print("notebook open after", elapsed(start))

    # The student's lab: instructor-only extensions are off, Validate is there.
    disabled = bs.page_config(page)["disabledExtensions"]
    for name in student_lab.INSTRUCTOR_LABEXTENSIONS:
        assert name in disabled, f"{name} should be disabled for students"
    menu = nbgrader_menu(page)
    assert "Formgrader" not in menu and "Create assignment" not in menu, menu
    assert "Assignment List" in menu, menu
    expect(page.locator(bs.ACTIVE_PANEL + " .validate-button")).to_be_visible()
    assert page.request.get(f"{server.url}/formgrader").status == 404

    # 1. Run All on the stubs: the first graded check stops the run, politely.
    bs.run_all_cells(page)
    print("stub run done after", elapsed(start))
    first_index, first_id = graded[0]
    first = cells.nth(first_index)
    errors = page.locator(bs.ACTIVE_PANEL + " .jp-OutputArea-output" + STDERR)
    assert errors.count() == 1, f"expected one error, got {errors.all_inner_texts()}"
    message = first.locator(".jp-OutputArea-output" + STDERR).inner_text().strip()
    match = FRIENDLY_STUB.fullmatch(message)
    assert match, f"the stub error is not the friendly one-liner:\n{message}"
    # a cell grading several functions checks them in order: the first one's stub stops it
    assert match["name"] == points.probe_tasks(first_id)[0], message
    assert match["module"] == "activations", message
    assert "Traceback" not in message and "File " not in message
    expect(cells.nth(graded[1][0]).locator(".jp-InputPrompt")).to_have_text(
        re.compile(r"\[\s*\]:"))  # the run stopped at the failing check
    first.scroll_into_view_if_needed()
    first.screenshot(path=shots / "01-stub-check-message.png")
    page.screenshot(path=shots / "01-stub-run-notebook.png")

    # 2. A correct implementation, saved through the server; re-run up to the explorer.
    source = course.source / STUDENT_ASSIGNMENT / "course_lib" / "activations.py"
    bs.save_file(page, server, f"{STUDENT_ASSIGNMENT}/course_lib/activations.py",
                 modules.reference(source.read_text(encoding="utf-8")))
    # ... and the network's steps that 01 teaches (model.py).
    bs.save_file(page, server, f"{STUDENT_ASSIGNMENT}/course_lib/model.py",
                 sample_class.finished_module("model", by_name(STUDENT_ASSIGNMENT)))
    # Select the cell after the explorer (its prompt: never a link in a markdown cell).
    cells.nth(explorer + 1).locator(".jp-InputPrompt").click()
    expect(cells.nth(explorer + 1)).to_have_class(re.compile(r"\bjp-mod-active\b"))
    bs.run_all_cells(page, menu_item="Run All Above Selected Cell")
    print("re-run done after", elapsed(start))
    leftover = errors.all_inner_texts()
    assert not leftover, f"errors after the correct implementation: {leftover}"
    for index, grade_id in graded:
        if index < explorer:
            for name in points.probe_tasks(grade_id):   # each function's check, in its cell
                expect(cells.nth(index).locator(".jp-OutputArea-output")).to_contain_text(
                    f"✔ {name}: visible check passed.")

    # 3. The explorer answers its slider: the kernel redraws the plot.
    widget = cells.nth(explorer).locator(".jp-OutputArea-output .widget-vbox").first
    slider = widget.locator(".widget-hslider")
    image = widget.locator(".widget-output img")
    expect(image).to_have_count(1)
    if slider.locator(".noUi-target[disabled]").count():
        # The explorer opened on an activation without alpha: pick one with it.
        before = image.get_attribute("src")
        widget.locator(".widget-dropdown select").select_option("leaky_relu")
        expect(image).not_to_have_attribute("src", before, timeout=30_000)
        bs.wait_kernel_idle(page)
    expect(slider.locator(".noUi-target[disabled]")).to_have_count(0)
    readout = slider.locator(".widget-readout")
    before_value, before_src = readout.inner_text(), image.get_attribute("src")
    widget.scroll_into_view_if_needed()
    widget.screenshot(path=shots / "03-widget-before.png")
    handle = slider.locator(".noUi-handle")
    maximum = float(handle.get_attribute("aria-valuemax"))
    assert float(before_value) < maximum, "the explorer should not start at alpha's maximum"
    handle.focus()
    handle.press("End")  # to the maximum: one change event, one redraw
    expect(readout).to_have_text(f"{maximum:.2f}")
    expect(image).not_to_have_attribute("src", before_src, timeout=30_000)
    bs.wait_kernel_idle(page)
    widget.screenshot(path=shots / "04-widget-after-slider.png")
    cells.nth(graded[0][0]).scroll_into_view_if_needed()
    page.screenshot(path=shots / "02-checks-pass.png")
    print("student part done after", elapsed(start))


def test_instructor_validate_button_reports_success(servers, course, page_for, shots):
    start = time.monotonic()
    server = servers["instructor"]
    path = f"source/{INSTRUCTOR_ASSIGNMENT}/{INSTRUCTOR_ASSIGNMENT}.ipynb"
    page = page_for(server)
    bs.open_notebook(page, server, path)
    print("instructor notebook open after", elapsed(start))

    # The instructor keeps every nbgrader extension.
    assert not set(student_lab.INSTRUCTOR_LABEXTENSIONS) & set(
        bs.page_config(page)["disabledExtensions"])
    menu = nbgrader_menu(page)
    assert "Formgrader" in menu and "Create assignment" in menu, menu

    page.locator(bs.ACTIVE_PANEL + " .validate-button").click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_contain_text("Validation Results", timeout=180_000)
    expect(dialog).to_contain_text("Success! Your notebook passes all the tests.")
    page.screenshot(path=shots / "05-instructor-validate.png")
    print("validated after", elapsed(start))
