"""Diagnostics as data: what is wrong, where, and how to fix it; rendering lives in render.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from procdsl.ir.span import Span


@dataclass(frozen=True)
class Diagnostic:
    message: str
    span: Span | None
    severity: str = "error"
    hint: str | None = None
    notes: tuple[str, ...] = field(default=())


class CompileError(Exception):
    """Raised once per stage with every diagnostic that stage collected."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        super().__init__("; ".join(d.message for d in self.diagnostics))


def nearest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate a typo most likely meant, or None when nothing is close."""
    # Imported here: only a file with a mistake needs it, and every command loads this module.
    import difflib
    pool = sorted(set(candidates))
    if not pool:
        return None
    lowered = {c.lower(): c for c in pool}
    if name.lower() in lowered and lowered[name.lower()] != name:
        return lowered[name.lower()]
    found = difflib.get_close_matches(name, pool, n=3, cutoff=0.6)
    if not found:
        return None
    # near-ties go to the candidate of the most similar length: `exit_status` means
    # `shell_status` rather than `exists`, which scores a hair higher
    best = difflib.SequenceMatcher(None, name, found[0]).ratio()
    close = [c for c in found if difflib.SequenceMatcher(None, name, c).ratio() >= best - 0.05]
    return min(close, key=lambda c: abs(len(c) - len(name)))


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    guess = nearest(name, candidates)
    return f" (did you mean '{guess}'?)" if guess else ""
