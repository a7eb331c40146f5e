"""Gradescope's results.json, following its visibility rules.

Gradescope hides each test by its `visibility` ("hidden", "after_due_date",
"after_published") and, in its words, "if test cases are hidden, students will not be able
to see their total score". The summary in `output` is shown to every student at once, so
it lists visible scenarios only and, when any test is not visible, prints no total and no
folded line (whose points would show how the hidden tests went, and count the
after_due_date ones before the due date) unless the instructor asks for the total
(`show_total`). The summary is Markdown: every name is escaped and diagnostics sit in a
code fence longer than any run of backticks inside it.
"""

from __future__ import annotations

import re

from procdsl.grading.formats.text import diagnostics, feedback
from procdsl.grading.result import Grade, number, student_view

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")        # every ASCII punctuation character may be escaped
_TICKS = re.compile(r"`+")


def md_inline(s: str) -> str:
    """Literal text inside a Markdown paragraph or list item: no markup, no HTML, one line."""
    return _PUNCTUATION.sub(r"\\\1", s.replace("\r", " ").replace("\n", " "))


def md_code(s: str) -> str:
    """Literal text as a fenced code block that nothing inside can close."""
    longest = max((len(m.group()) for m in _TICKS.finditer(s)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{s}\n{fence}\n"


def has_hidden(grade: Grade) -> bool:
    return any(not e.visible for e in grade.expectations)


def markdown(grade: Grade, show_total: bool = False) -> str:
    """The student-safe summary Gradescope shows above the tests."""
    if not grade.gradable:
        return f"**Not gradable**: fix these problems and submit again.\n\n{md_code(diagnostics(grade))}"
    view = student_view(grade)
    if has_hidden(grade) and not show_total:
        out = ["Some tests are not shown yet, so neither is the total score.", ""]
    else:
        out = [f"**Score: {number(grade.score)}/{number(grade.max_score)}**", ""]
    for s in view.scenarios:
        done = sum(e.passed for e in s.expectations)
        out.append(f"- {'✅' if s.passed else '❌'} {md_inline(s.name)}: {done}/{len(s.expectations)} checks passed")
    return "\n".join(out) + "\n"


def gradescope(grade: Grade, timings: bool = True, show_total: bool = False) -> dict:
    extra = {"seed": grade.seed, "scenario_seeds": [s.seed for s in grade.scenarios],
             "procdsl_version": grade.version, "submission_hash": grade.submission_hash}
    out: dict = {"score": number(grade.score)}
    if timings:
        out["execution_time"] = max(0, round(grade.execution_time))
    out.update({"output": markdown(grade, show_total), "output_format": "md", "test_output_format": "text",
                "test_name_format": "text", "stdout_visibility": "hidden", "extra_data": extra})
    if not grade.gradable:
        out["tests"] = [{"name": "submission parses", "number": "0", "score": 0,
                         "max_score": number(grade.max_score), "status": "failed", "output": diagnostics(grade),
                         "visibility": "visible", "tags": ["submission"]}]
        return out
    tests = []
    for i, s in enumerate(grade.scenarios, 1):
        for j, e in enumerate(s.expectations, 1):
            t = {"name": f"{s.name}: {e.name}", "number": f"{i}.{j}"}
            if e.scored:
                t.update(score=number(e.points), max_score=number(e.max_points))
            t.update(status="passed" if e.passed else "failed", output=feedback(e), visibility=e.visibility,
                     tags=[s.name])      # not the scenario's status: hidden failures would show through it
            tests.append(t)
    out["tests"] = tests
    return out
