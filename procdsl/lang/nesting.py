"""How deep a file's blocks and expressions nest: past a bound, a diagnostic at the first node too deep.

Every stage after parsing (validation, compilation, the plan's JSON, evaluation) walks
blocks and expressions recursively, so one bound here keeps them all far from Python's
recursion limit; parsing and this walk use explicit stacks.
"""

from __future__ import annotations

import typing
from functools import cache

from procdsl import ir
from procdsl.lang.diagnostics import Diagnostic

MAX_NESTING = 200          # levels of the IR below the file: scenario, program, blocks, expressions


def too_deep(file: ir.File) -> Diagnostic | None:
    """A diagnostic at the first node (in walk order) nested deeper than MAX_NESTING, or None."""
    stack: list[tuple[ir.Node, int]] = [(file, 0)]
    pop, push = stack.pop, stack.append
    while stack:
        node, depth = pop()
        if depth > MAX_NESTING:
            return Diagnostic(f"nesting too deep: procdsl reads at most {MAX_NESTING} levels of blocks "
                              f"and expressions", node.span,
                              hint="split the program, or name parts of a long expression with variables")
        fields = node.__dict__
        for name in reversed(_child_fields(type(node))):       # popped in source order
            value = fields[name]
            if type(value) is tuple:
                for item in reversed(value):
                    if isinstance(item, ir.Node):
                        push((item, depth + 1))
            elif isinstance(value, ir.Node):
                push((value, depth + 1))
    return None


@cache
def _child_fields(cls: type) -> tuple[str, ...]:
    """The fields of an IR class that can hold nodes: read from its annotations, so a new node
    type is walked without being listed here."""
    return tuple(name for name, f in cls.model_fields.items() if name != "span" and _holds_nodes(f.annotation))


def _holds_nodes(annotation: typing.Any) -> bool:
    if isinstance(annotation, type):
        return issubclass(annotation, ir.Node)
    return any(_holds_nodes(a) for a in typing.get_args(annotation))
