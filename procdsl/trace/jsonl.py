"""The trace as JSON Lines: a header record, then one object per event with every detail field named.

The format is versioned (SCHEMA_VERSION) and described for every record kind by the JSON
Schema shipped beside this module (`trace.schema.json`, read with `schema()`). Several
scenarios printed together are separate streams: each starts with its own header.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional

from procdsl import __version__
from procdsl.core.events import FIELDS, NO_PID, Trace

SCHEMA_VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("trace.schema.json")

# detail fields that name a process: "no process" (-1) becomes null there, as in `pid`
_PID_FIELDS = {("signal", "target")}


def header(title: str, seed: int, file: str = "", scenario: int = 1, cpus: int = 1) -> dict:
    return {"kind": "header", "schema": "procdsl-trace", "schema_version": SCHEMA_VERSION,
            "procdsl": __version__, "file": file, "scenario": scenario, "title": title, "seed": seed,
            "cpus": cpus}


def records(trace: Trace, head: Optional[dict] = None) -> Iterable[dict]:
    """The header (when given), then each event: `cpu` null off a CPU, `pid` null for no process
    (the outside world or the machine itself) and 0 for a CPU's idle task."""
    if head is not None:
        yield head
    for ev in trace.events:
        record = {"time": ev.time, "cpu": ev.cpu if ev.cpu >= 0 else None,
                  "pid": ev.pid if ev.pid != NO_PID else None, "kind": ev.kind}
        for name, value in zip(FIELDS.get(ev.kind, ()), ev.detail):
            if (ev.kind, name) in _PID_FIELDS and value == NO_PID:
                value = None
            elif isinstance(value, tuple):
                value = list(value)
            record[name] = value
        yield record


def format_jsonl(trace: Trace, head: Optional[dict] = None) -> Iterable[str]:
    for record in records(trace, head):
        line = json.dumps(record, ensure_ascii=False)
        if record["kind"] == "write" and not line.isascii() and _cut_character(line):
            line = json.dumps(record)        # the bytes a write cut inside a character, as \udcXX
        yield line


def _cut_character(line: str) -> bool:
    """A file write's text keeps bytes that are not whole UTF-8 characters as lone surrogates."""
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


@lru_cache(maxsize=1)
def schema() -> dict:
    """The JSON Schema (draft 2020-12) of one record of the stream, any kind."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def split_streams(lines: Iterable[str]) -> list[list[dict]]:
    """Parse concatenated streams back into one list of records per scenario, header first."""
    streams: list[list[dict]] = []
    for line in lines:
        if not line.strip():
            continue
        record = json.loads(line)
        if record.get("kind") == "header" or not streams:
            streams.append([])
        streams[-1].append(record)
    return streams
