"""A Grade in each format a course platform or CI reads, each within a documented size bound.

Every format but `json` and `gradescope` is student-facing and has no visibility field, so
expectations that are not "visible" are folded into one anonymous line named "hidden
tests". Gradescope hides tests itself by their `visibility`, so it receives them all, but
its summary (shown to every student at once) names none of them and no total. Only
`execution_time`, a scenario's `time` and JUnit's `time` carry timings; `timings=False`
leaves them out (JUnit: "0"), so two gradings compare byte for byte.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable

from procdsl.grading.formats import classroom, gradescope, junit, prairielearn, tap, text
from procdsl.grading.result import Grade
from procdsl.grading.shown import LEVELS, MAX_RESULT_BYTES, clipped

FORMATS = ("text", "json", "gradescope", "prairielearn", "junit", "tap", "classroom", "html")
EXTENSIONS = {"text": ".txt", "json": ".json", "gradescope": ".json", "prairielearn": ".json", "junit": ".xml",
              "tap": ".tap", "classroom": ".json", "html": ".html"}


@dataclass(frozen=True)
class Options:
    show_hidden: bool = False     # instructors: list hidden expectations in the student-facing formats
    timings: bool = True          # False: no wall-clock times, so regrading is byte-identical
    show_total: bool = False      # gradescope: print the total in the summary even when some tests are hidden


DEFAULT_OPTIONS = Options()


def _json(grade: Grade, o: Options) -> str:
    return dumps(grade.to_json(o.timings))


def dumps(data: dict) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


_RENDER: dict[str, Callable[[Grade, Options], str]] = {
    "text": lambda g, o: text.text(g, o.show_hidden),
    "json": _json,
    "gradescope": lambda g, o: dumps(gradescope.gradescope(g, o.timings, o.show_total)),
    "prairielearn": lambda g, o: dumps(prairielearn.prairielearn(g, o.show_hidden)),
    "junit": lambda g, o: junit.junit(g, o.show_hidden, o.timings),
    "tap": lambda g, o: tap.tap(g, o.show_hidden),
    "classroom": lambda g, o: dumps(classroom.classroom(g, o.show_hidden, o.timings)),
    "html": lambda g, o: _html(g, o),
}


def _html(grade: Grade, o: Options) -> str:
    # imported when asked for: the report's page and its assets are not needed by the other formats
    from procdsl.grading.formats.html import grade_page
    return grade_page(grade, o.show_hidden)


def render(grade: Grade, fmt: str, options: Options = DEFAULT_OPTIONS) -> str:
    """The result file: long texts are clipped, harder at each try, until it fits `MAX_RESULT_BYTES`."""
    if fmt not in _RENDER:
        raise ValueError(f"unknown format {fmt!r}")
    for level in range(LEVELS):
        out = _RENDER[fmt](clipped(grade, level), options)
        if len(out.encode("utf-8")) <= MAX_RESULT_BYTES:
            return out
    return out      # only the tests' own names and counts are left: the instructor's tests are that large
