"""Load a .proc file and what it uses, check it, and compile each scenario to an event plan."""

from __future__ import annotations

import codecs
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

from procdsl import ir
from procdsl.core.gcpause import paused_gc
from procdsl.lang.diagnostics import CompileError, Diagnostic
from procdsl.lang.hints import exec_strings, shadowed_builtins
from procdsl.lang.parser import parse
from procdsl.lang.source import Source


@dataclass
class Unit:
    """Everything one top-level file brings: its sources, programs and scenarios."""

    path: str
    sources: dict[str, Source] = field(default_factory=dict)
    files: list[ir.File] = field(default_factory=list)
    programs: dict[str, ir.Program] = field(default_factory=dict)
    scenarios: list[ir.Scenario] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)      # shown; they never stop a run
    submission_files: list[str] = field(default_factory=list)


STDIN = "<stdin>"        # the name a file read from standard input (`-`) goes by


class NotText(CompileError):
    """A file that is not UTF-8: the diagnostic at its first bad byte, and the text to quote."""

    def __init__(self, diagnostic: Diagnostic, source: Source) -> None:
        super().__init__([diagnostic])
        self.source = source


def read_source(path: str) -> Source:
    """The text of `path` (of standard input for STDIN); raises OSError, or NotText."""
    if path == STDIN:
        data = sys.stdin.buffer.read()
    else:
        with open(path, "rb") as fh:
            data = fh.read()
    if data.startswith(codecs.BOM_UTF8):       # some editors start UTF-8 files with one
        data = data[len(codecs.BOM_UTF8):]
    try:
        return Source(path, data.decode("utf-8"))
    except UnicodeDecodeError as err:
        source = Source(path, data.decode("utf-8", "replace"))
        line_start = data.rfind(b"\n", 0, err.start) + 1
        line = data.count(b"\n", 0, err.start) + 1
        col = len(data[line_start:err.start].decode("utf-8")) + 1
        raise NotText(Diagnostic(f"this file is not UTF-8 text: byte 0x{data[err.start]:02x} cannot be read",
                                 source.span(line, col),
                                 hint="save the file as UTF-8 (editors offer it under 'save with encoding')"),
                      source) from None


# A grading worker parses the same instructor tests for every submission, and each submission
# twice (checked alone, then bound to the tests): remember_parses() makes parse_file keep the
# last few files it parsed, keyed by path and text (the IR is frozen, so it can be shared).
_parsed: Optional[dict[tuple[str, str], ir.File]] = None
_PARSED_LIMIT = 32


def remember_parses() -> None:
    global _parsed
    if _parsed is None:
        _parsed = {}


def parse_file(source: Source) -> ir.File:
    memo = _parsed
    if memo is None:
        return parse(source)
    key = (source.path, source.text)
    f = memo.pop(key, None)
    if f is None:
        f = parse(source)
        if len(memo) >= _PARSED_LIMIT:
            del memo[next(iter(memo))]          # the least recently used
    memo[key] = f
    return f


def load(path: str, submission: Optional[Sequence[str]] = None) -> Unit:
    """Parse `path` and everything it uses; all problems land in `unit.diagnostics`."""
    unit = Unit(path=path)
    with paused_gc():
        _load_into(unit, path, chain=(), is_root=True, submission=submission)
    return unit


def _load_into(unit: Unit, path: str, chain: tuple[str, ...], is_root: bool,
               submission: Optional[Sequence[str]]) -> None:
    try:
        source = read_source(path)
    except OSError as err:
        unit.diagnostics.append(Diagnostic(f"cannot read {path}: {err.strerror or err}", None))
        return
    except NotText as err:
        unit.sources[path] = err.source
        unit.diagnostics.extend(err.diagnostics)
        return
    unit.sources[path] = source
    try:
        f = parse_file(source)
    except CompileError as err:
        unit.diagnostics.extend(err.diagnostics)
        return
    unit.files.append(f)
    unit.warnings.extend(shadowed_builtins(f))
    unit.warnings.extend(exec_strings(f))
    # `use` in standard input's text is relative to the current folder
    here = Path(os.path.realpath(".")) if path == STDIN else Path(os.path.realpath(path)).parent
    for use in f.uses:
        if use.path is None:
            if submission is None:
                unit.diagnostics.append(Diagnostic(
                    "`use submission` needs a submission to bind", use.span,
                    hint="grade it: procdsl grade --tests THIS_FILE --submission FILE"))
                continue
            for sub in submission:
                unit.submission_files.append(sub)
                _load_into(unit, sub, chain + (os.path.realpath(path),), False, None)
            continue
        target = Path(os.path.realpath(here / use.path))      # a link may not lead outside
        if here not in target.parents:
            unit.diagnostics.append(Diagnostic(
                f"`use` may not leave the folder of {os.path.basename(path)}: {use.path}", use.span,
                hint="keep used files in this folder or below it"))
            continue
        if str(target) in chain + (os.path.realpath(path),):
            unit.diagnostics.append(Diagnostic(f"`use` cycle: {use.path} already uses this file", use.span,
                                               hint="move the shared programs into a third file"))
            continue
        if not target.is_file():
            unit.diagnostics.append(Diagnostic(f"no such file to use: {use.path}", use.span))
            continue
        rel = os.path.relpath(target)
        _load_into(unit, rel if not rel.startswith("..") else str(target),
                   chain + (os.path.realpath(path),), False, submission)
    for prog in f.programs:
        other = unit.programs.get(prog.name)
        if other is not None:
            unit.diagnostics.append(Diagnostic(f"program '{prog.name}' is defined twice", prog.name_span,
                                               notes=(f"first defined at {other.name_span}",)))
            continue
        unit.programs[prog.name] = prog
    if is_root:
        unit.scenarios.extend(f.scenarios)
