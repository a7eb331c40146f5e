"""An exercise as data: a scenario's text, the questions asked about its run, and both ways to print it."""

from __future__ import annotations

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


HOW_TO = (
    "To answer, replace each ? below with your answer and delete the \"# \" in front of",
    "that `expect` line (and of its table rows: write one row per process, in any order);",
    "`procdsl check` on this file then says which of your answers hold.",
)


def render(ex: Exercise, answers: Optional[Sequence[object]] = None) -> str:
    """The problem (answers None: every answer a commented-out blank) or its solution."""
    command = f"procdsl quiz {ex.kind} -s {ex.seed}"
    lines = [f"# {command}: {ex.title}", f"# {ex.chapter}", "#"]
    lines += [f"# {text}" if text else "#" for text in ex.intro]
    lines.append("#")
    if answers is None:
        lines += [f"# {text}" for text in HOW_TO]
        lines.append(f"# The solution: {command} -c")
    else:
        lines.append("# The solution, computed by running this scenario: `procdsl check` passes on it.")
    lines.append(f'scenario "{_escape(ex.scenario_title)}" {{')
    lines += ex.body
    for i, q in enumerate(ex.questions):
        lines.append("")
        lines.append(f"  # Q{i + 1}. {q.ask}")
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


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
