"""Expectations rewritten before they are compiled: `A in output` marked for an indexed answer.

`always`/`never` evaluate at every instant of a run, and the output at an instant is as long
as everything printed so far: `"x" in output` is answered from the instant its text first
appears (model.OutputLog.contains_at) instead of building the output each time. The node is
wrapped in a call only procdsl can name, so compile_expr hands it to the checker's `_call`.
"""

from __future__ import annotations

from typing import Any

from procdsl import ir

OUTPUT_IN = "<in output>"


def output_searches(e: Any) -> Any:
    """e with every `A in output` and `A in output(p)` wrapped in an OUTPUT_IN call."""
    changes = {}
    for name, value in e.__dict__.items():
        if isinstance(value, tuple):
            new = tuple(output_searches(v) if hasattr(v, "kind") else v for v in value)
            if any(a is not b for a, b in zip(new, value)):
                changes[name] = new
        elif hasattr(value, "kind"):
            new = output_searches(value)
            if new is not value:
                changes[name] = new
    node = e.model_copy(update=changes) if changes else e
    if e.kind == "contains" and _is_output(node.container):
        return ir.build(ir.Call, span=e.span, func=OUTPUT_IN, func_span=e.span, args=(node,))
    return node


def _is_output(e: Any) -> bool:
    if isinstance(e, ir.Name):
        return e.id == "output"
    return isinstance(e, ir.Call) and e.func == "output" and len(e.args) == 1 and not isinstance(e.args[0], ir.CpuRef)
