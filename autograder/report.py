"""The instructor's report after grading: ``course/exports/report.html`` and ``tests.csv``.

Per test: how many students failed it and the hint they were shown most often;
per assignment: the distribution of scores as a plot; and every submission
that could not be graded, with the reason.
"""
from __future__ import annotations

import base64
import csv
import html
import io
import json
from collections import Counter, defaultdict
from pathlib import Path

from .feedback import hint_for
from .manifest import ASSIGNMENTS
from .paths import Course


def _errors_by_test(course: Course, student: str, assignment: str) -> dict[str, str]:
    """grade_id -> the hint a failing test cell earned, from the autograded notebook."""
    path = course.autograded / student / assignment / f"{assignment}.ipynb"
    if not path.exists():
        return {}
    nb = json.loads(path.read_text())
    hints = {}
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] != "code" or not meta.get("grade") or meta.get("solution"):
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                hint = hint_for(out.get("ename", ""), out.get("evalue", ""))
                hints[meta["grade_id"]] = hint.split(". ")[0][:160]
    return hints


def collect(course: Course, rows: list[dict]) -> dict:
    """Per-test failures, hints and per-assignment scores from the gradebook and notebooks."""
    from nbgrader.api import Gradebook, MissingEntry

    tests = defaultdict(lambda: {"attempts": 0, "failed": 0, "hints": Counter(),
                                 "points": 0.0})
    scores = defaultdict(list)
    failed = []
    with Gradebook(course.db_url) as gb:
        for row in rows:
            student, assignment = row["student"], row["assignment"]
            if str(row["status"]).startswith("failed"):
                failed.append(row)
                continue
            if not str(row["status"]).startswith("graded"):   # not submitted, not graded yet
                continue
            scores[assignment].append((float(row["auto_score"]), float(row["auto_max_score"])))
            try:
                sub = gb.find_submission(assignment, student)
            except MissingEntry:
                continue
            hints = _errors_by_test(course, student, assignment)
            for nb in sub.notebooks:
                for grade in nb.grades:
                    if grade.cell.cell_type != "code":
                        continue
                    entry = tests[(assignment, grade.name)]
                    entry["attempts"] += 1
                    entry["points"] = grade.max_score
                    if (grade.score or 0) < grade.max_score:
                        entry["failed"] += 1
                        entry["hints"][hints.get(grade.name, "points withdrawn or partial")] += 1
    return {"tests": tests, "scores": scores, "failed": failed}


def _histogram_png(values: list[tuple[float, float]], title: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 2.4), dpi=100)
    fractions = [100 * s / m if m else 0 for s, m in values]
    ax.hist(fractions, bins=[0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100.01], color="#4C72B0")
    ax.set_xlabel("autograded score (%)")
    ax.set_ylabel("students")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def write(course: Course, rows: list[dict]) -> tuple[Path, Path]:
    data = collect(course, rows)
    course.exports.mkdir(parents=True, exist_ok=True)
    csv_path = course.exports / "tests.csv"
    order = {a.name: i for i, a in enumerate(ASSIGNMENTS)}
    keys = sorted(data["tests"], key=lambda k: (order.get(k[0], 99), k[1]))
    with csv_path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["assignment", "test", "points", "students", "failed",
                         "most_common_hint"])
        for key in keys:
            t = data["tests"][key]
            common = t["hints"].most_common(1)[0][0] if t["hints"] else ""
            writer.writerow([key[0], key[1], f"{t['points']:g}", t["attempts"], t["failed"],
                             common])
    parts = ["<!doctype html><meta charset='utf-8'><title>Grading report</title>",
             "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
             "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25em .5em}"
             "th{background:#eee}.bad{color:#b00}</style>",
             "<h1>Grading report</h1>"]
    unisolated = [r for r in rows if str(r.get("notes", "")).startswith("unisolated")]
    if unisolated:
        parts.append(f"<p class='bad'><b>{len(unisolated)} submissions were graded "
                     "unisolated</b> (<code>--no-sandbox</code>): their code ran with the "
                     "grader's rights and could have read the hidden tests or written the "
                     "gradebook. Grade them again with bubblewrap installed: "
                     + html.escape(", ".join(f"{r['student']}/{r['assignment']}"
                                             for r in unisolated[:20])) + "</p>")
    if data["failed"]:
        parts.append("<h2 class='bad'>Submissions that could not be graded</h2><table>"
                     "<tr><th>student</th><th>assignment</th><th>reason</th></tr>")
        for row in data["failed"]:
            parts.append(f"<tr><td>{html.escape(row['student'])}</td><td>"
                         f"{html.escape(row['assignment'])}</td><td>"
                         f"{html.escape(row['status'])}</td></tr>")
        parts.append("</table>")
    for assignment in sorted(data["scores"], key=lambda a: order.get(a, 99)):
        png = _histogram_png(data["scores"][assignment], assignment)
        parts.append(f"<h2>{html.escape(assignment)}</h2>"
                     f"<img alt='score distribution of {html.escape(assignment)}' "
                     f"src='data:image/png;base64,{png}'>")
        parts.append("<table><tr><th>test</th><th>points</th><th>failed</th>"
                     "<th>most common hint</th></tr>")
        for key in keys:
            if key[0] != assignment:
                continue
            t = data["tests"][key]
            common = t["hints"].most_common(1)[0][0] if t["hints"] else ""
            parts.append(f"<tr><td><code>{html.escape(key[1])}</code></td>"
                         f"<td>{t['points']:g}</td><td>{t['failed']} / {t['attempts']}</td>"
                         f"<td>{html.escape(common)}</td></tr>")
        parts.append("</table>")
    html_path = course.exports / "report.html"
    html_path.write_text("\n".join(parts), encoding="utf-8")
    return html_path, csv_path
