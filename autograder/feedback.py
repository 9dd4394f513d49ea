"""Feedback that teaches without leaking: an nbgrader preprocessor for ``generate_feedback``.

nbgrader's feedback shows every test cell as it ran in the grader, hidden tests
and their tracebacks included (nbgrader #917, #1363). Before the HTML is
written, this preprocessor rewrites each autograded test cell:

* its source keeps only the visible part (everything before
  ``### BEGIN HIDDEN TESTS``);
* an error keeps its type and message but loses the traceback (whose frames
  quote the hidden lines); any output line that quotes a hidden line is dropped;
* a verdict is added: the test's name, passed or failed, the points, and a hint
  written for the student.

An answer still waiting for the instructor's grade (a reflection question) is
shown as pending, not as 0 points: the headline counts the points graded so
far out of the points graded so far, and a note says how many are pending.
"""
from __future__ import annotations

import html
import re

import jinja2
from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbformat.v4 import new_markdown_cell, new_output
from traitlets import Dict, List, Unicode

from nbgrader.preprocessors import NbGraderPreprocessor

from .experiments import SKIP_TAG
from .modules import BEGIN_HIDDEN, hidden_test_lines

ANSI = re.compile(r"\x1b\[[0-9;]*m")

HIDDEN_HINT = (
    "It passed the visible check but not the hidden tests. Those try other shapes "
    "(batches with extra dimensions), float32 inputs (the output must stay float32), exact "
    "zeros and very large values, and compare every gradient with a numeric one. Re-read the "
    "docstring: it is the specification."
)


def visible_part(source: str) -> str:
    head = source.split(BEGIN_HIDDEN, 1)[0].rstrip()
    if BEGIN_HIDDEN in source:
        head += "\n# (more tests ran in the grader; they are not shown)"
    return head


def hint_for(ename: str, evalue: str) -> str:
    if ename == "CheckFailed":
        return evalue
    if ename == "NotImplementedError":
        return "The function is not implemented yet (it still raises NotImplementedError)."
    if ename in ("ImportError", "ModuleNotFoundError", "AttributeError", "NameError",
                 "SyntaxError"):
        return (f"The function could not be found or imported ({ename}: {evalue}). Check the "
                "file and function names in course_lib and that the module imports cleanly.")
    if ename == "CellTimeoutError":
        return "The cell ran past the time limit: look for an endless loop."
    return HIDDEN_HINT + (f" What failed: {evalue}" if evalue else "")


NOT_RUN = ("Not run by the grader: this experiment earns no points. Its output is the one "
           "you saw when you ran the notebook yourself.\n")


def pending_points(resources) -> dict[str, float]:
    """grade_id -> points of every answer of this notebook that nobody has graded yet."""
    meta = resources.get("nbgrader", {})
    if not meta.get("db_url"):
        return {}
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(meta["db_url"]) as gb:
        try:
            notebook = gb.find_submission_notebook(meta["notebook"], meta["assignment"],
                                                   meta["student"])
        except MissingEntry:
            return {}
        return {g.name: float(g.max_score) for g in notebook.grades
                if g.needs_manual_grade and g.manual_score is None and g.auto_score is None}


def show_pending(nb, resources, pending: dict[str, float]) -> None:
    """Show ungraded answers as pending: no "0 / 2" on them, a headline without their points."""
    if not pending:
        return
    total = sum(pending.values())
    meta = resources.setdefault("nbgrader", {})
    graded_max = float(meta.get("max_score") or 0.0) - total
    meta["max_score"] = graded_max
    cells = [new_markdown_cell(
        f"**{total:g} points pending.** The score at the top counts the {graded_max:g} points "
        f"graded so far. Your written answers, worth {total:g} points, are graded by hand by "
        "your instructor: they are pending, not lost.")]
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in pending:
            cells.append(new_markdown_cell(
                f"*Pending, {pending[grade_id]:g} points: your instructor grades this answer "
                "by hand.*"))
            # no score line on the answer itself: it would read 0 / points
            cell.metadata["nbgrader"]["grade"] = False
        cells.append(cell)
    nb.cells = cells


class StudentFeedback(NbGraderPreprocessor):
    """Hide hidden tests in feedback and add a verdict per test cell."""

    withdrawn = Dict({}, help="grade_id -> reason, for points the grader's re-check "
                              "took back (the worker's result carries them)").tag(config=True)
    capstone = Dict({}, help="grade_id -> {'status', 'sentence'}: the grader's evaluation "
                             "of the submitted capstone model").tag(config=True)
    repairs = List(Unicode(), [], help="sentences: slips in the submitted notebook that the "
                   "grader repaired before grading it").tag(config=True)

    def preprocess(self, nb, resources):
        if self.repairs:
            nb.cells.insert(0, new_markdown_cell(
                "**Before grading, the grader repaired your notebook:** "
                + "; ".join(self.repairs) + ". Keep the cells of the assignment as they "
                "were released (do not delete, copy or re-label them)."))
        nb, resources = super().preprocess(nb, resources)
        show_pending(nb, resources, pending_points(resources))
        return nb, resources

    def preprocess_cell(self, cell, resources, index):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and SKIP_TAG in cell.metadata.get("tags", []):
            cell.outputs = [new_output("stream", name="stdout", text=NOT_RUN)]
            return cell, resources
        if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
            return cell, resources
        hidden = hidden_test_lines(cell.source)
        cell.source = visible_part(cell.source)
        outputs, error = [], None
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                error = out
                continue
            if out.output_type == "stream":
                kept = [line for line in out.text.splitlines(True)
                        if not any(h in line for h in hidden)]
                if kept:
                    out.text = "".join(kept)
                    outputs.append(out)
            elif not any(h in str(out.get("data", "")) for h in hidden):
                outputs.append(out)
        grade_id = meta.get("grade_id", "")
        score = float(meta.get("score") or 0.0)
        points = float(meta.get("points") or 0.0)
        if grade_id in self.capstone:
            if error is not None:   # the visible check's message stays, without traceback
                evalue = ANSI.sub("", str(error.get("evalue", "")))[:400]
                outputs.append(new_output("stream", name="stdout",
                                          text=f"{error.get('ename', 'Error')}: {evalue}\n"))
            verdict = ("passed" if score >= points else "partly passed" if score > 0
                       else "failed")
            hint = ("The grader evaluated your saved model on its own MNIST-1D test set "
                    f"({self.capstone[grade_id]['status']}): "
                    f"{self.capstone[grade_id]['sentence']}")
        elif error is not None:
            ename = error.get("ename", "Error")
            evalue = ANSI.sub("", str(error.get("evalue", "")))
            evalue = " ".join(line for line in evalue.splitlines()
                              if not any(h in line for h in hidden))[:400]
            outputs.append(new_output("error", ename=ename, evalue=evalue,
                                      traceback=[f"{ename}: {evalue}"]))
            verdict, hint = "failed", hint_for(ename, evalue)
        elif grade_id in self.withdrawn:
            verdict = "failed"
            hint = ("The cell ran without error in your notebook, but the grader's own re-check "
                    "of this function, run outside the notebook, did not match "
                    f"({self.withdrawn[grade_id]}). Code that changes how the checks "
                    "behave earns no points.")
        else:
            verdict, hint = ("passed", "") if score >= points else ("partly passed", "")
        text = f"Test {grade_id}: {verdict}, {score:g} / {points:g} points."
        if hint:
            text += f" Hint: {hint}"
        mark = "✔" if verdict == "passed" else "✘"
        outputs.append(new_output("display_data", data={
            "text/plain": text,
            "text/html": (f"<div class='course-verdict'><b>{mark} Test <code>"
                          f"{html.escape(grade_id)}</code>: {verdict}</b>, {score:g} / "
                          f"{points:g} points." + (f"<br>Hint: {html.escape(hint)}" if hint
                                                    else "") + "</div>"),
        }))
        cell.outputs = outputs
        return cell, resources


# ------------------------------------------------------------------ the page itself
class _CompiledTemplates(jinja2.BytecodeCache):
    """Jinja's compiled templates, kept for the life of the process.

    nbgrader makes a new HTML exporter, and so a new Jinja environment, for every
    feedback page: without this each page compiled the same nine templates again.
    A template is found by its name and used only while its source is unchanged
    (Jinja checks the source's checksum).
    """

    def __init__(self):
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _CompiledTemplates()
_IMG_WITHOUT_ALT = re.compile(r"<img(?![^>]*\balt=)", re.IGNORECASE)


class FeedbackExporter(HTMLExporter):
    """nbconvert's HTML exporter, as ``generate_feedback`` uses it, for less work per page.

    * compiled templates are kept between pages (:class:`_CompiledTemplates`);
    * the page is not parsed again with BeautifulSoup: nbconvert does that only to
      give an ``<img>`` without alternative text the sentence below (done here
      with a pattern) and to make JupyterLab's cells focusable (the feedback's
      classic template has none).
    """

    def _create_environment(self):
        environment = super()._create_environment()
        environment.bytecode_cache = _COMPILED
        return environment

    def from_notebook_node(self, nb, resources=None, **kw):
        # HTMLExporter.from_notebook_node (nbconvert 7.17) without its BeautifulSoup pass.
        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        highlight_code = self.filters.get("highlight_code",
                                          Highlight2HTML(pygments_lexer=lexer, parent=self))
        resources = self._init_resources(resources)
        filter_data_type = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata,
                                                 parent=self, resources=resources)
        self.register_filter("highlight_code", highlight_code)
        self.register_filter("filter_data_type", filter_data_type)
        page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        page = _IMG_WITHOUT_ALT.sub(
            '<img alt="No description has been provided for this image"', page)
        return page, resources
