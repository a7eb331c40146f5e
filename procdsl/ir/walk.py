"""Walks over a program's statements: nested blocks, fork labels, exec targets, a job's static burst."""

from __future__ import annotations

from typing import Iterable, Iterator, Optional

from procdsl import ir


def bodies(s: ir.Stmt) -> list[tuple]:
    if s.kind == "if":
        return [b.body for b in s.branches] + ([s.orelse] if s.orelse else [])
    if s.kind in ("while", "repeat", "loop", "for", "on", "fork_block"):
        return [s.body]
    return []


def all_statements(stmts: Iterable[ir.Stmt]) -> Iterator[ir.Stmt]:
    """Every statement, nested blocks included, in source order."""
    for s in stmts:
        yield s
        for body in bodies(s):
            yield from all_statements(body)


def exec_targets(stmts: Iterable[ir.Stmt]) -> Iterator[str]:
    return (s.program for s in all_statements(stmts) if s.kind == "exec")


def fork_labels(stmts: Iterable[ir.Stmt]) -> Iterator[str]:
    return (s.label for s in all_statements(stmts) if s.kind == "fork_block")


def static_burst(body) -> Optional[int]:
    """Total compute of a straight-line program (what sjf and stcf know of a job), else None."""
    total = 0
    for s in body:
        if s.kind == "compute" and isinstance(s.duration, ir.Lit) and s.duration.type == "duration":
            total += int(s.duration.value)
        elif s.kind in ("print", "assign", "write", "sleep", "io"):
            continue
        else:
            return None
    return total
