"""A Grade as it may be shown: every string escaped once when it is graded, and clipped so a result file fits its bound.

Escaping happens once, in `escaped`, when a Grade is assembled on the grading side, so every
format and procdsl's own json see the same safe text. Clipping happens per rendering:
`clipped(grade, level)` cuts messages, explanations and diagnostics, at level 0 to sizes a
person still reads whole and at each further level to half of that, each cut saying how
much it left out; the renderer takes the first level whose output fits `MAX_RESULT_BYTES`.
"""

from __future__ import annotations

from dataclasses import replace

from procdsl.grading import safe
from procdsl.grading.result import Expectation, Grade, Scenario

# PrairieLearn's results.json "should be limited to 1 MB"; every format keeps to the same bound.
MAX_RESULT_BYTES = 1_000_000
MESSAGE_CHARS = 2000           # one message or note, at level 0
EXPLANATION_LINES = 40         # lines of one explanation
LINE_CHARS = 400               # characters of one explanation line
DIAGNOSTICS = 20               # diagnostics of a submission that is not gradable
DIAGNOSTIC_CHARS = 4000        # characters of one diagnostic
LEVELS = 12                    # at the last level nothing of a message is left but the count of what was cut


def escaped(grade: Grade) -> Grade:
    """Every string a student could have influenced, made safe to show (see `safe`); escaping twice changes nothing."""
    def exp(e: Expectation) -> Expectation:
        return replace(e, name=safe.text(e.name), message=safe.text(e.message),
                       explanation=tuple(safe.text(line) for line in e.explanation))

    def scenario(s: Scenario) -> Scenario:
        return replace(s, name=safe.text(s.name), note=safe.text(s.note),
                       expectations=tuple(exp(e) for e in s.expectations))

    return replace(grade, submission=safe.text(grade.submission), scenarios=tuple(scenario(s) for s in grade.scenarios),
                   diagnostics=tuple(safe.text(d) for d in grade.diagnostics))


def clipped(grade: Grade, level: int = 0) -> Grade:
    """The grade with its long texts cut to the sizes of `level` (0: the most generous)."""
    def size(n: int) -> int:
        return n >> level

    def exp(e: Expectation) -> Expectation:
        return replace(e, message=safe.clip(e.message, size(MESSAGE_CHARS)),
                       explanation=safe.clip_lines(e.explanation, size(EXPLANATION_LINES), size(LINE_CHARS)))

    def scenario(s: Scenario) -> Scenario:
        return replace(s, note=safe.clip(s.note, size(MESSAGE_CHARS)), expectations=tuple(exp(e) for e in s.expectations))

    diags = grade.diagnostics
    kept = tuple(safe.clip(d, size(DIAGNOSTIC_CHARS)) for d in diags[:max(1, size(DIAGNOSTICS))])
    if len(diags) > len(kept):
        kept += (f"… [{len(diags) - len(kept)} more diagnostics left out]",)
    return replace(grade, scenarios=tuple(scenario(s) for s in grade.scenarios), diagnostics=kept)
