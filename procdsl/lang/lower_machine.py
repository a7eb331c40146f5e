"""The lowering of the `machine` block and its settings (mixed into lower.Lower)."""

from __future__ import annotations

from typing import Any

from procdsl import ir
from procdsl.ir.span import Span
from procdsl.lang.literals import parse_size
from procdsl.lang.tokens import Token, meaningful

PAGE_SIZE = 4096


class MachineRules:
    """One method per grammar rule, as in Lower; they use its span, string and duration helpers."""

    def machine(self, meta, children):
        return ir.build(ir.Machine, span=self.span(meta), settings=tuple(meaningful(children)))

    def setting(self, meta, children):
        name, value, sub = children
        v, vtype, vspan = self.setting_value(value)
        return ir.build(ir.Setting, span=self.span(meta), name=str(name), value=v, value_type=vtype, value_span=vspan,
                          settings=sub or ())

    def settings_block(self, meta, children):
        items = meaningful(children)
        out = []
        for name, value in zip(items[0::2], items[1::2]):
            v, vtype, vspan = self.setting_value(value)
            out.append(ir.build(ir.Setting, span=self.tspan(name), name=str(name), value=v, value_type=vtype, value_span=vspan))
        return tuple(out)

    def setting_value(self, value) -> tuple[Any, str, Span]:
        if isinstance(value, tuple):           # pages / range, already lowered
            return value
        tok: Token = value
        sp = self.tspan(tok)
        if tok.type == "INT":
            return int(tok), "int", sp
        if tok.type == "FLOAT":
            return float(tok), "float", sp
        if tok.type == "DURATION":
            return self.duration_value(tok), "duration", sp
        if tok.type == "SIZE":
            return parse_size(str(tok)), "size", sp
        if tok.type == "STRING":
            return self.string_value(tok), "str", sp
        return str(tok), "name", sp

    def pages(self, meta, children):
        return int(children[0]) * PAGE_SIZE, "size", self.span(meta)

    def setting_range(self, meta, children):
        return (int(children[0]), int(children[2])), "range", self.span(meta)
