"""GitHub Classroom's runner result (version 1), which classroom-resources/autograding-grading-reporter reads.

The reporter sums every test's `score` into the grade it sends to Classroom, so each visible
expectation is a test with its own points and a submission gets partial credit; hidden
expectations are folded into one "hidden tests" test, since the reporter prints every test
name in the job log. The reporter's log table counts passing tests instead
(passed / tests x max_score), so with uneven points its line differs from the grade;
docs/grading.md says so. A submission that is not gradable is one test with status
"error", whose message (the diagnostics) the reporter prints.
"""

from __future__ import annotations

from procdsl.grading.formats.text import diagnostics
from procdsl.grading.result import Folded, Grade, number, student_view


def _test(name: str, status: str, score: float, message: str, ms: float) -> dict:
    return {"name": name, "status": status, "score": number(score), "message": message, "test_code": "",
            "filename": "", "line_no": 0, "duration": round(ms)}


def classroom(grade: Grade, show_hidden: bool = False, timings: bool = True) -> dict:
    if not grade.gradable:
        return {"version": 1, "status": "error", "max_score": number(grade.max_score),
                "tests": [_test("submission parses", "error", 0, diagnostics(grade), 0)]}
    view = student_view(grade, show_hidden)
    tests = []
    for s in view.scenarios:
        share = 1000 * s.time / max(1, len(s.expectations)) if timings else 0
        for e in s.expectations:
            status = "pass" if e.passed else ("error" if s.broken else "fail")
            tests.append(_test(f"{s.name}: {e.name}", status, e.points, "" if e.passed else e.message, share))
    if view.hidden.count:
        h = view.hidden
        tests.append(_test(Folded.NAME, "pass" if h.all_passed else "fail", h.points, "", 0))
    status = "pass" if grade.full_marks else "fail"
    return {"version": 1, "status": status, "max_score": number(grade.max_score), "tests": tests}
