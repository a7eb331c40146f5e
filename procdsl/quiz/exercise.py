"""An exercise as data: a scenario's text, the questions asked about its run, and both ways to print it."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Optional, Sequence

BLANK = "?"


@dataclass(frozen=True)
class Question:
    """One thing to predict: `expect "Qn: ask" LHS == ANSWER [at AT]`.

    With `table` set the answer is instead a `ps at AT` table with those columns, one row
    per process that exists then."""

    ask: str
    lhs: str = ""
    at: str = ""
    table: tuple[str, ...] = ()
    form: str = "literal"       # "name": a bare word (`zombie`); "number": a process as its PID


@dataclass(frozen=True)
class Exercise:
    kind: str
    seed: int
    title: str
    chapter: str
    intro: tuple[str, ...]
    body: tuple[str, ...]       # the scenario's machine, programs, runs and sends, indented two spaces
    questions: tuple[Question, ...]

    @property
    def scenario_title(self) -> str:
        return f"quiz {self.kind} {self.seed}: {self.title}"


HOW_TO = ("To answer, replace each ? below with your answer and delete the \"# \" in front of that "
          "`expect` line; `procdsl check` on this file then says which of your answers hold.")
HOW_TO_TABLE = ("For a process table, uncomment its lines too and write one row per process that exists "
                "at that instant, in any order.")


def render(ex: Exercise, answers: Optional[Sequence[object]] = None) -> str:
    """The problem (answers None: every answer a commented-out blank) or its solution."""
    command = f"procdsl quiz {ex.kind} -s {ex.seed}"
    lines = [f"# {command}: {ex.title}", f"# {ex.chapter}", "#"]
    lines += _comment(" ".join(ex.intro))
    lines.append("#")
    if answers is None:
        lines += _comment(HOW_TO + (" " + HOW_TO_TABLE if any(q.table for q in ex.questions) else ""))
        lines.append(f"# The solution: {command} -c")
    else:
        lines.append("# The solution, computed by running this scenario: `procdsl check` passes on it.")
    lines.append(f'scenario "{_escape(ex.scenario_title)}" {{')
    lines += ex.body
    for i, q in enumerate(ex.questions):
        lines.append("")
        lines += ["  " + line for line in _comment(f"Q{i + 1}. {q.ask}")]
        answer = None if answers is None else answers[i]
        lines += _expectation(i + 1, q, answer)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _expectation(n: int, q: Question, answer: object) -> list[str]:
    hide = "# " if answer is None else ""
    at = f" at {q.at}" if q.at else ""
    if q.table:
        rows = answer if answer is not None else [tuple(BLANK for _ in q.table)]
        table = [tuple(q.table)] + [tuple(r) for r in rows]
        widths = [max(len(r[i]) for r in table) + 2 for i in range(len(q.table))]
        out = [f'  {hide}expect "Q{n}" ps{at or " at end"} {{']
        out += [f"  {hide}  " + "".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in table]
        return out + [f"  {hide}}}"]
    shown = BLANK if answer is None else str(answer)
    return [f'  {hide}expect "Q{n}" {q.lhs} == {shown}{at}']


def _comment(text: str) -> list[str]:
    return ["# " + line for line in textwrap.wrap(text, 88, break_on_hyphens=False, break_long_words=False)]


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
