"""The plain-text report (a terminal, a CI log), and the pieces of it other formats reuse.

A student sees each scenario and expectation by name, never where the tests define it: the
tests' file and line appear only in the instructors' view (`show_hidden`).
"""

from __future__ import annotations

from procdsl.grading.result import Expectation, Grade, Scenario, number, student_view


def pts(e: Expectation) -> str:
    return f"{number(e.points)}/{number(e.max_points)}" if e.scored else "check"


def feedback(e: Expectation) -> str:
    """What a student reads about one expectation: the checker's message and its OS-level explanation."""
    if e.passed:
        return "passed"
    return "\n".join([e.message or "failed", *(f"| {line}" for line in e.explanation)])


def explanation(e: Expectation) -> str:
    """The explanation alone, for formats that carry the message in a field of its own."""
    return "\n".join(e.explanation)


def diagnostics(grade: Grade) -> str:
    return "\n".join(grade.diagnostics) or "the submission could not be graded"


def scenario_line(s: Scenario, show_hidden: bool) -> str:
    where = f" ({s.file}:{s.line})" if show_hidden else ""
    return f"{'PASS' if s.passed else 'FAIL'} {s.name}{where}"


def text(grade: Grade, show_hidden: bool = False) -> str:
    if not grade.gradable:
        return f"{grade.submission}: not gradable, 0/{number(grade.max_score)} points\n{diagnostics(grade)}\n"
    view = student_view(grade, show_hidden)
    out = [f"{grade.submission}: {number(grade.score)}/{number(grade.max_score)} points"]
    for s in view.scenarios:
        out.append(scenario_line(s, show_hidden))
        if s.note:
            out.extend("  " + line for line in s.note.splitlines())
        for e in s.expectations:
            out.append(f"  {'ok  ' if e.passed else 'fail'} [{pts(e)}] {e.name}")
            if not e.passed and e.message and e.message != s.note:
                out.extend("       " + line for line in feedback(e).splitlines())
    if view.hidden.count:
        out.append(view.hidden.line)
    out.append(f"score: {number(grade.score)}/{number(grade.max_score)}")
    return "\n".join(out) + "\n"
