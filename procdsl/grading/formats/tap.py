"""TAP 14: one test point per visible expectation, a YAML block after each failure, hidden ones folded.

The YAML `at:` is a string `FILE:LINE:COL`: tap-mocha-reporter (the reporter behind many
TAP pipelines) takes `at` as the stack when there is no `stack`, and splits it as text.
"""

from __future__ import annotations

import json

from procdsl.grading.formats.text import pts
from procdsl.grading.result import Folded, Grade, number, student_view


def _desc(text: str) -> str:
    return text.replace("\\", "\\\\").replace("#", "\\#").replace("\n", " ")


def _yaml(fields: dict) -> list[str]:
    # JSON scalars and lists are YAML 1.2 flow values, so every value is quoted safely.
    return ["  ---", *(f"  {k}: {json.dumps(v, ensure_ascii=False)}" for k, v in fields.items()), "  ..."]


def tap(grade: Grade, show_hidden: bool = False) -> str:
    out = ["TAP version 14"]
    if not grade.gradable:
        out += ["1..1", "not ok 1 - submission parses",
                *_yaml({"message": "the submission is not gradable", "severity": "fail",
                        "diagnostics": list(grade.diagnostics)})]
        out.append(f"# score: 0/{number(grade.max_score)}")
        return "\n".join(out) + "\n"
    view = student_view(grade, show_hidden)
    points = [(s, e) for s in view.scenarios for e in s.expectations]
    out.append(f"1..{len(points) + bool(view.hidden.count)}")
    for n, (s, e) in enumerate(points, 1):
        out.append(f"{'ok' if e.passed else 'not ok'} {n} - {_desc(f'{s.name}: {e.name}')}")
        if not e.passed:
            out += _yaml({"message": e.message or "failed", "severity": "fail", "points": pts(e),
                          "at": f"{e.file}:{e.line}:{e.col}", "explanation": list(e.explanation)})
    if view.hidden.count:
        h = view.hidden
        out.append(f"{'ok' if h.all_passed else 'not ok'} {len(points) + 1} - {Folded.NAME}")
        if not h.all_passed:
            out += _yaml({"message": h.line, "severity": "fail",
                          "points": f"{number(h.points)}/{number(h.max_points)}"})
    out.append(f"# score: {number(grade.score)}/{number(grade.max_score)}")
    return "\n".join(out) + "\n"
