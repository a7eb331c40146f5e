"""How deep a file's blocks and expressions nest: past a bound, a diagnostic at the first node too deep.

Every stage after parsing (validation, compilation, the plan's JSON, evaluation) walks
blocks and expressions recursively, so one bound here keeps them all far from Python's
recursion limit; parsing and this walk use explicit stacks.
"""

from __future__ import annotations

import sys
import typing

from procdsl import ir
from procdsl.lang.diagnostics import Diagnostic

MAX_NESTING = 200          # levels of the IR below the file: scenario, program, blocks, expressions


def too_deep(file: ir.File) -> Diagnostic | None:
    """A diagnostic at the first node (in walk order) nested deeper than MAX_NESTING, or None."""
    stack: list[tuple[ir.Node, int]] = [(file, 0)]
    pop, push = stack.pop, stack.append
    fields_of = _FIELDS
    while stack:
        node, depth = pop()
        if depth > MAX_NESTING:
            return Diagnostic(f"nesting too deep: procdsl reads at most {MAX_NESTING} levels of blocks "
                              f"and expressions", node.span,
                              hint="split the program, or name parts of a long expression with variables")
        cls = type(node)
        names = fields_of.get(cls)
        if names is None:
            names = fields_of[cls] = _child_fields(cls)
        fields = node.__dict__
        below = depth + 1
        for name in names:
            value = fields[name]
            for item in reversed(value) if type(value) is tuple else (value,):
                if isinstance(item, ir.Node) and not _short_enough(item, below):
                    push((item, below))
    return None


def _short_enough(node: ir.Node, depth: int) -> bool:
    """Whether a node at `depth` is too short to hold the levels left below the bound.

    A node's span covers the nodes below it, and each of those writes at least one character
    of its own, but for a node that shares its parent's text (an expectation's assertion, a
    `write`'s descriptor), whose parent writes one. So a node on one line, W characters wide,
    has at most 2W levels below it, and one that short is not walked into: the walk costs about
    one step per line, not one per node. A branch of an `if` spans only its condition, so it is
    always walked into (its `if` is, when on one line, and covers it)."""
    span = node.span
    return (span.line == span.end_line and depth + 2 * (span.end_col - span.col) <= MAX_NESTING
            and type(node) is not ir.Branch)


_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_fields(cls: type) -> tuple[str, ...]:
    """The fields of an IR class that can hold nodes: read from its annotations, so a new node
    type is walked without being listed here."""
    namespace = vars(sys.modules[cls.__module__])
    names = [name for name, f in cls.model_fields.items()
             if name != "span" and _holds_nodes(f.annotation, namespace)]
    return tuple(reversed(names))                  # pushed last to first, so popped in source order


def _holds_nodes(annotation: typing.Any, namespace: dict) -> bool:
    if isinstance(annotation, typing.ForwardRef):
        # The IR's models are built on first use, which `check` never reaches, so pydantic
        # leaves a name defined further down the module (`Expr`) as written; it is defined now.
        annotation = eval(annotation.__forward_arg__, namespace)  # our own annotation's text
    if isinstance(annotation, type):
        return issubclass(annotation, ir.Node)
    return any(_holds_nodes(a, namespace) for a in typing.get_args(annotation))
