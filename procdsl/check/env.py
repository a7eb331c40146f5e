"""What names mean while one expectation is evaluated: the instant, `for all` bindings, the notes."""

from __future__ import annotations

from typing import Any, Callable, Optional

from procdsl.check.model import Model, ProcInfo
from procdsl.trace.text import format_time


class PRef(int):
    """A process in an expectation: compares as its PID, shows as label(pid)."""

    info: ProcInfo

    def __str__(self) -> str:
        return f"{self.info.name}(pid {int(self)})"

    __repr__ = __str__


def pref(p: ProcInfo) -> PRef:
    r = PRef(p.pid)
    r.info = p
    return r


class EventRef:
    __slots__ = ("time", "index", "what")

    def __init__(self, time: int, index: int, what: str) -> None:
        self.time, self.index, self.what = time, index, what

    def __str__(self) -> str:
        return f"{self.what} at {format_time(self.time).strip()}"


class Env:
    """What names mean while one expectation is evaluated: an instant and bound variables."""

    def __init__(self, model: Model, t: int, bindings: Optional[dict[str, ProcInfo]] = None) -> None:
        self.model = model
        self.t = t
        self.bindings = bindings or {}
        self.pending: list[Any] = []             # notes: strings, and LaterNotes written only when shown
        self.noted: set[Any] = set()
        self.touched: list[ProcInfo] = []

    def at(self, t: int) -> Env:
        env = Env(self.model, t, self.bindings)
        env.pending, env.noted, env.touched = self.pending, self.noted, self.touched
        return env

    @property
    def notes(self) -> list[str]:
        return [str(note) for note in self.pending]

    def note(self, text: Any, key: Any = None) -> None:
        key = text if key is None else key
        if key not in self.noted:
            self.noted.add(key)
            self.pending.append(text)

    def notes_text(self, limit: int) -> str:
        """The notes joined, up to about `limit` characters and a count of the ones left out."""
        shown: list[str] = []
        size = 0
        for note in self.pending:
            text = str(note)
            if shown and size + len(text) > limit:
                break
            shown.append(text)
            size += len(text) + 2
        left = len(self.pending) - len(shown)
        return "; ".join(shown) + (f"; and {left} more note{'s' if left > 1 else ''}" if left else "")

    def resolve(self, label: str, index: Optional[int]) -> Optional[ProcInfo]:
        if index is None and label in self.bindings:
            return self.bindings[label]
        procs = self.model.by_label.get(label, [])
        i = index or 0
        if i < len(procs):
            p = procs[i]
            if p not in self.touched:
                self.touched.append(p)
            return p
        what = f"{label}[{i}]" if index is not None else label
        self.note(f"no process labelled {what} was ever created" if not procs else
                  f"{label} has only {len(procs)} process(es): {what} was never created")
        return None


class LaterNote:
    """A note that is costly to write (every zombie at an instant), written when it is shown.

    It keeps the model and the instant, not the Env: an Env holds its notes, and a note holding
    the Env back would make every checked run a cycle for the collector."""

    __slots__ = ("render", "model", "t", "_text")

    def __init__(self, render: Callable[[Model, int], str], model: Model, t: int) -> None:
        self.render, self.model, self.t, self._text = render, model, t, None

    def __str__(self) -> str:
        if self._text is None:
            self._text = self.render(self.model, self.t)
        return self._text
