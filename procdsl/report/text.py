"""The plain-text report `procdsl check` prints: one line per scenario, details for failures."""

from __future__ import annotations

from typing import Iterable

from procdsl.check.checker import ScenarioResult
from procdsl.trace.text import format_time

GREEN, RED, YELLOW, DIM, RESET = "\x1b[32m", "\x1b[31m", "\x1b[33m", "\x1b[2m", "\x1b[0m"


def scenario_lines(result: ScenarioResult, color: bool = False, verbose: bool = False) -> Iterable[str]:
    def paint(code: str, text: str) -> str:
        return f"{code}{text}{RESET}" if color else text

    status = paint(GREEN, "PASS") if result.passed else paint(RED, "FAIL")
    yield f"{status} {result.file}: {result.title}"
    if result.note:
        where = "" if result.end_reason == "fault" else f"{result.file}:{result.span.line}:{result.span.col}: "
        yield f"  {where}{paint(YELLOW, result.note)}"
    for exp in result.expectations:
        if exp.passed and not verbose:
            continue
        mark = paint(GREEN, "ok  ") if exp.passed else paint(RED, "fail")
        title = f'"{exp.description}" ' if exp.description else ""
        yield f"  {mark} {exp.span.file}:{exp.span.line}:{exp.span.col}: {title}expect {exp.text}"
        if not exp.passed and exp.message and not result.note:
            yield f"       {exp.message}"
            for line in exp.explanation:
                yield paint(DIM, f"       | {line}")
    if verbose or not result.passed:
        yield paint(DIM, f"  (run ended: {result.end_reason} at {format_time(result.end_time).strip()})")


def summary(passed: int, failed: int) -> str:
    return f"{passed} passed, {failed} failed"
