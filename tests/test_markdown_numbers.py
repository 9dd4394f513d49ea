"""No markdown cell quotes a measured figure that no cell of its notebook prints.

The detector lives in ``tests/markdown_numbers.py`` (its docstring states the rules). The
first tests pin down what it flags and what it leaves alone on small hand-made notebooks;
the last one runs every course notebook and checks its text against its own outputs.
"""
from __future__ import annotations

import nbformat
import pytest

import markdown_numbers as numbers

NOTEBOOKS = sorted(numbers.NOTEBOOKS.glob("*.ipynb"))


def _notebook(*cells):
    """A notebook from ('md', text) and ('code', source, printed text) entries."""
    nb = nbformat.v4.new_notebook()
    for entry in cells:
        if entry[0] == "md":
            nb.cells.append(nbformat.v4.new_markdown_cell(entry[1]))
        else:
            cell = nbformat.v4.new_code_cell(entry[1])
            if len(entry) > 2 and entry[2] is not None:
                cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=entry[2])]
            nb.cells.append(cell)
    return nb


def _flagged(nb, stem="synthetic"):
    return [figure.text + ("%" if figure.percent else "") for _, figure, _ in numbers.unsupported(nb, stem)]


# ------------------------------------------------------------------ what counts as a figure

@pytest.mark.parametrize("text, expected", [
    ("it reached 77 % after training", ["77%"]),
    ("it reached 77\u2009% after training", ["77%"]),
    ("it reached 77 per cent", ["77%"]),
    ("it reached $77\\%$", ["77%"]),
    ("between 13% and 76%", ["13%", "76%"]),
    ("accuracies of 13–76%", ["13%", "76%"]),
    ("the loss was 0.344, then 0.497", ["0.344", "0.497"]),
    ("a gap between -0.09 and +0.03", ["0.09", "0.03"]),
    ("f reached 8e-70", ["8e-70"]),
    ("an error of about $2 \\cdot 10^{-9}$", ["2 \\cdot 10^{-9}"]),
    ("a gradient of $10^{-11}$", ["10^{-11}"]),
    ("it took 333 steps and 14 epochs", ["333", "14"]),
    ("monotone in 19 of 23 seeds", ["19", "23"]),
    ("it grows 50-fold", ["50"]),
])
def test_a_measurement_like_number_no_cell_prints_is_flagged(text, expected):
    assert _flagged(_notebook(("md", text), ("code", "x = f()", "done\n"))) == expected


@pytest.mark.parametrize("text", [
    "$$(x W_1 + b_1) W_2 + b_2 = x\\,(W_1 W_2) + (b_1 W_2 + b_2)$$",
    "about $0.22^{10} \\approx 3 \\cdot 10^{-7}$ after ten layers",
    "so $\\ln(10^6)/\\ln 1.02 \\approx 698$ steps",
    "the slope is at most $1/4$ and $\\sigma'(0) = 0.25$",
    "with $\\lambda \\approx 1.0507$ and $\\ln 10 \\approx 2.302$",
    "ten classes, 1197 training images, published in 2015",
    "as section 7.1 of the paper shows",
])
def test_formulas_constants_and_counts_of_things_are_not_flagged(text):
    assert _flagged(_notebook(("md", text), ("code", "x = f()", "done\n"))) == []


def test_a_symbolic_quantity_set_equal_to_a_number_is_a_claim():
    nb = _notebook(("md", "the ratio $\\|dW_1\\| / \\|dW_{10}\\| \\approx 50$"), ("code", "f()", "done\n"))
    assert _flagged(nb) == ["50"]


# ------------------------------------------------------------------ what supports a figure

def test_a_figure_a_cell_prints_is_supported_at_its_own_precision():
    printed = ("code", "print(f'{acc:.1%} {loss:.3f}')", "77.3% 0.196\n")
    assert _flagged(_notebook(("md", "It reached 77%, loss about 0.2."), printed)) == []
    # quoted more precisely than printed, or rounded the wrong way: flagged
    assert _flagged(_notebook(("md", "It reached 77.31%."), printed)) == ["77.31%"]
    assert _flagged(_notebook(("md", "It reached 78%."), printed)) == ["78%"]


def test_a_fraction_printed_supports_the_same_percentage():
    printed = ("code", "print(acc)", "0.773\n")
    assert _flagged(_notebook(("md", "It reached 77%."), printed)) == []
    assert _flagged(_notebook(("md", "It reached 0.773."), printed)) == []


def test_a_number_printed_from_a_string_of_the_code_is_no_evidence():
    nb = _notebook(("md", "It reached 77.3%."), ("code", "print('77.3%')", "77.3%\n"))
    assert _flagged(nb) == ["77.3%"]
    hidden = _notebook(("md", "It reached 77.3%."), ("code", "msg = 'it gave 77.3%'\nprint(msg)", "it gave 77.3%\n"))
    assert _flagged(hidden) == ["77.3%"]


def test_a_number_only_in_a_plot_title_does_not_hide_the_same_printed_figure():
    nb = _notebook(("md", "After 24 epochs it stops."),
                   ("code", "ax.set_title('24 epochs')\nprint(f'{epochs} epochs')", "24 epochs\n"))
    assert _flagged(nb) == []


def test_a_format_spec_is_not_a_printed_number():
    nb = _notebook(("md", "After 24 epochs it stops."), ("code", "print(f'{n:24d}')", "24\n"))
    assert _flagged(nb) == []


def test_a_figure_printed_in_another_section_is_no_evidence():
    nb = _notebook(("md", "### 4.1 · First"), ("code", "print(acc)", "0.773\n"),
                   ("md", "### 4.2 · Second\n\nIt reached 77%."), ("code", "g()", "done\n"))
    assert _flagged(nb) == ["77%"]
    pointed = _notebook(("md", "### 4.1 · First"), ("code", "print(acc)", "0.773\n"),
                        ("md", "### 4.2 · Second\n\nIn 4.1 it reached 77%."), ("code", "g()", "done\n"))
    assert _flagged(pointed) == []


def test_a_setting_of_the_code_is_supported():
    nb = _notebook(("md", "SGD at learning rate 0.1 with dropout 50% for 8 epochs."),
                   ("code", "train(lr=0.1, dropout=0.5, epochs=8)", None))
    assert _flagged(nb) == []


def test_a_bare_constant_in_the_code_sets_nothing():
    nb = _notebook(("md", "It reached 77.3%."), ("code", "0.773\nf()", None))
    assert _flagged(nb) == ["77.3%"]


def test_an_asserted_threshold_supports_a_figure_only_when_stated_as_a_bound():
    code = ("code", "assert acc > 0.85, acc", None)
    assert _flagged(_notebook(("md", "All three runs end above 85%."), code)) == []
    assert _flagged(_notebook(("md", "All three runs end at least\n85%."), code)) == []
    assert _flagged(_notebook(("md", "All three runs reached 85%."), code)) == ["85%"]


def test_graded_cells_set_nothing():
    nb = _notebook(("md", "The check uses 0.773."), ("code", "check(f, tol=0.773)", None))
    nb.cells[1].metadata["nbgrader"] = {"grade": True, "grade_id": "f", "points": 1, "solution": False}
    assert _flagged(nb) == ["0.773"]


def test_an_answer_may_repeat_the_numbers_its_question_poses():
    question = nbformat.v4.new_markdown_cell("A colleague sees 9.7 and 31%.")
    question.metadata["nbgrader"] = {"grade": False, "grade_id": "q_question", "solution": False}
    answer = nbformat.v4.new_markdown_cell("9.7 is far too high; 31% says the rate is too small.")
    answer.metadata["nbgrader"] = {"grade": True, "grade_id": "q", "points": 2, "solution": True}
    nb = _notebook(("code", "f()", None))
    nb.cells[:0] = [question, answer]
    assert _flagged(nb) == ["9.7", "31%"]          # the question's own numbers still need a source


def test_a_quoted_passage_exempts_only_its_own_numbers(monkeypatch):
    monkeypatch.setitem(numbers.QUOTED, "synthetic", [("the lectures' 40%", "a quote")])
    nb = _notebook(("md", "Far beyond the lectures' 40%, it killed 98%."), ("code", "f()", None))
    assert _flagged(nb) == ["98%"]
    assert numbers.stale_quotes(_notebook(("md", "no quote here")), "synthetic") == ["the lectures' 40%"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_quoted_passage_is_still_in_its_notebook(path):
    nb = nbformat.read(path, as_version=4)
    assert numbers.stale_quotes(nb, path.stem) == [], (
        f"{path.name}: update QUOTED in tests/markdown_numbers.py, these passages are gone")


# ------------------------------------------------------------------ the course notebooks

@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_markdown_cell_quotes_a_figure_its_notebook_does_not_print(path):
    nb = numbers.execute(path)
    problems = numbers.unsupported(nb, path.stem)
    listing = "\n".join(f"  cell {index}: {figure.text}{'%' if figure.percent else ''} in …{context}…"
                        for index, figure, context in problems)
    assert not problems, (
        f"{path.name}: markdown quotes figures that no cell of the notebook prints or sets "
        f"(state the asserted bound instead, or print the figure):\n{listing}")
