"""What one run ends with, as the explorer compares runs: the terminal's output, how each
kind of process exited, and why the run ended."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

from procdsl.core.events import Trace
from procdsl.core.linux import SIGNAL_NAMES

MAX_SHOWN = 200          # characters of an outcome's output a report shows


@dataclass(frozen=True, order=True)
class Outcome:
    """Two runs have the same outcome when their output is the same text, the same number of
    processes of each label exited with each status, and they ended for the same reason."""

    output: str
    exits: tuple[tuple[str, str, int], ...]     # (label, "exit 3" or "killed by SIGINT", how many)
    end: str

    def describe(self) -> str:
        exits = ", ".join(f"{label} {how}" + (f" x{n}" if n > 1 else "") for label, how, n in self.exits)
        return f"output {quote(self.output)}; exits: {exits or 'none'}; end: {self.end}"


def quote(text: str, limit: int = MAX_SHOWN) -> str:
    """A string as the language writes it ("ab\\n"), cut at `limit` characters."""
    if len(text) > limit:
        return json.dumps(text[:limit], ensure_ascii=False) + f"… ({len(text) - limit:,} more)"
    return json.dumps(text, ensure_ascii=False)


def exit_text(code: int, sig: int) -> str:
    return f"killed by {SIGNAL_NAMES.get(sig, sig)}" if sig else f"exit {code}"


class Gatherer:
    """Reads a run's events as they come, keeping only what makes its outcome."""

    __slots__ = ("pos", "output", "exits", "labels")

    def __init__(self) -> None:
        self.pos = 0
        self.output: list[str] = []
        self.exits: Counter = Counter()
        self.labels: dict[int, str] = {1: "init"}

    def feed(self, events: list) -> None:
        for ev in events[self.pos:]:
            kind = ev.kind
            if kind == "output":
                self.output.append(ev.detail[1])
            elif kind == "exit":
                self.exits[(self.labels.get(ev.pid, "?"), exit_text(ev.detail[0], ev.detail[1]))] += 1
            elif kind == "fork":
                self.labels[ev.detail[0]] = ev.detail[1]
            elif kind == "spawn":
                self.labels[ev.pid] = ev.detail[1]
        self.pos = len(events)

    def so_far(self) -> tuple:
        return ("".join(self.output), tuple(sorted(self.exits.items())))

    def outcome(self, end: str) -> Outcome:
        exits = tuple(sorted((label, how, n) for (label, how), n in self.exits.items()))
        return Outcome("".join(self.output), exits, end)


def outcome_of(trace: Trace) -> Outcome:
    g = Gatherer()
    g.feed(trace.events)
    return g.outcome(trace.end_reason)
