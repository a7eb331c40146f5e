"""PrairieLearn's external-grader results.json: score in 0..1, one test per visible expectation, hidden ones folded.

PrairieLearn shows students everything in the file, so it never names the tests' file or
line, and each test's `message` (what went wrong) and `output` (the explanation: the trace
lines that show it) hold different things.
"""

from __future__ import annotations

from procdsl.grading.formats.text import diagnostics, explanation, text
from procdsl.grading.result import Folded, Grade, number, student_view


def prairielearn(grade: Grade, show_hidden: bool = False) -> dict:
    if not grade.gradable:
        return {"gradable": False, "score": 0, "format_errors": list(grade.diagnostics) or [diagnostics(grade)],
                "message": "the submission could not be graded: see the format errors"}
    view = student_view(grade, show_hidden)
    tests = []
    for s in view.scenarios:
        for e in s.expectations:
            t = {"name": f"{s.name}: {e.name}", "points": number(e.points), "max_points": number(e.max_points),
                 "message": "passed" if e.passed else (e.message or "failed")}
            if not e.passed and e.explanation:
                t["output"] = explanation(e)
            tests.append(t)
    if view.hidden.count:
        h = view.hidden
        tests.append({"name": Folded.NAME, "points": number(h.points), "max_points": number(h.max_points)})
    score = grade.score / grade.max_score if grade.max_score else 1.0
    return {"gradable": True, "score": number(score),
            "message": f"{number(grade.score)}/{number(grade.max_score)} points", "output": text(grade, show_hidden),
            "tests": tests}
