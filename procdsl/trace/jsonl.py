"""The trace as JSON Lines: one object per event with every detail field named."""

from __future__ import annotations

import json
from typing import Iterable

from procdsl.core.events import FIELDS, Trace


def format_jsonl(trace: Trace) -> Iterable[str]:
    for ev in trace.events:
        record = {"time": ev.time, "cpu": ev.cpu, "pid": ev.pid, "kind": ev.kind}
        record.update(zip(FIELDS.get(ev.kind, ()), ev.detail))
        yield json.dumps(record, ensure_ascii=False, sort_keys=False)
