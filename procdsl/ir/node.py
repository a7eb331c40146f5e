"""The base of every IR node, and the constructors the front end makes nodes with, skipping validation."""

from typing import Optional

from pydantic import BaseModel, ConfigDict

from procdsl.ir.span import Span


class Node(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)
    span: Span


_set = object.__setattr__
_DEFAULTS: dict[type, dict] = {}


def build(cls, **fields):
    """Make an IR node from values the front end already typed, skipping re-validation.

    This is what pydantic's model_construct does for a model without extras or private
    attributes, minus its per-call bookkeeping: lowering builds tens of thousands of nodes."""
    defaults = _DEFAULTS.get(cls)
    if defaults is None:
        defaults = _DEFAULTS[cls] = {name: f.default for name, f in cls.model_fields.items()
                                     if not f.is_required()}
    obj = _new(cls)
    _set(obj, "__dict__", {**defaults, **fields})
    _set(obj, "__pydantic_fields_set__", set(fields))
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj


def construct(cls, values: dict, fields_set: Optional[set] = None):
    """build() for a caller that gives every field, in the order the JSON should list them
    (`fields_set`: those the caller names, when not all of them)."""
    obj = _new(cls)
    _set(obj, "__dict__", values)
    _set(obj, "__pydantic_fields_set__", set(values) if fields_set is None else fields_set)
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj


_new = object.__new__
# Every span sets every field; frozen models never add to this set, and pydantic copies it
# before a model_copy(update=...) does, so all spans can share it.
_SPAN_FIELDS = set(Span.model_fields)


def span(file: str, line: int, col: int, end_line: int, end_col: int) -> Span:
    """build(Span, ...) for the front end's most frequent node, without keyword packing."""
    obj = _new(Span)
    _set(obj, "__dict__", {"file": file, "line": line, "col": col, "end_line": end_line, "end_col": end_col})
    _set(obj, "__pydantic_fields_set__", _SPAN_FIELDS)
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj
