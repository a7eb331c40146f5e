"""The lowering of expressions and literals (mixed into lower.Lower; strings, with their `{expr}` parts, stay there)."""

from __future__ import annotations

from procdsl import ir
from procdsl.ir.span import Span
from procdsl.lang.literals import parse_duration, parse_size
from procdsl.lang.tokens import Token, meaningful


class ExprRules:
    """One method per grammar rule, as in Lower; they use its span, string and error helpers."""

    def expr(self, meta, children):           # only built for `a or b ...`; one operand is inlined
        return self._chain("or", children)

    def and_expr(self, meta, children):
        return self._chain("and", children)

    def _chain(self, op, children):
        left = children[0]
        for right in children[1:]:
            left = ir.build(ir.Binary, span=_join(left.span, right.span), op=op, left=left, right=right)
        return left

    def not_op(self, meta, c):
        return ir.build(ir.Unary, span=self.span(meta), op="not", operand=c[0])

    def compare(self, meta, c):
        left, op, right, _pm, tol = c
        return ir.build(ir.Compare, span=self.span(meta), op=str(op), left=left, right=right, tolerance=tol)

    def contains(self, meta, c):
        return ir.build(ir.Contains, span=self.span(meta), item=c[0], container=c[1])

    def not_contains(self, meta, c):
        return ir.build(ir.Contains, span=self.span(meta), item=c[0], container=c[1], negate=True)

    def binop(self, meta, c):
        return ir.build(ir.Binary, span=self.span(meta), op=str(c[1]), left=c[0], right=c[2])

    def neg(self, meta, c):
        return ir.build(ir.Unary, span=self.span(meta), op="neg", operand=c[1])

    def attr(self, meta, c):
        return ir.build(ir.Attr, span=self.span(meta), obj=c[0], name=str(c[1]))

    def index(self, meta, c):
        items = meaningful(c)
        return ir.build(ir.Index, span=self.span(meta), obj=items[0], index=items[1])

    def call(self, meta, c):
        items = meaningful(c)
        return ir.build(ir.Call, span=self.span(meta), func=str(items[0]), func_span=self.tspan(items[0]), args=tuple(items[1:]))

    def cpu_ref(self, meta, c):
        return ir.build(ir.CpuRef, span=self.span(meta), cpu=int(c[0]))

    def atom(self, meta, c):
        return meaningful(c)[0]

    def int_lit(self, meta, c):
        return ir.build(ir.Lit, span=self.tspan(c[0]), type="int", value=int(c[0]))

    def float_lit(self, meta, c):
        return ir.build(ir.Lit, span=self.tspan(c[0]), type="float", value=float(c[0]))

    def duration_lit(self, meta, c):
        tok = c[0]
        return ir.build(ir.Lit, span=self.tspan(tok), type="duration", value=self.duration_value(tok))

    def duration_value(self, tok: Token) -> int:
        value = parse_duration(str(tok))
        if value.denominator != 1:
            self.error("a duration must be a whole number of nanoseconds", self.tspan(tok))
        return int(value)

    def size_lit(self, meta, c):
        return ir.build(ir.Lit, span=self.tspan(c[0]), type="size", value=parse_size(str(c[0])))

    def true_lit(self, meta, c):
        return ir.build(ir.Lit, span=self.tspan(c[0]), type="bool", value=True)

    def false_lit(self, meta, c):
        return ir.build(ir.Lit, span=self.tspan(c[0]), type="bool", value=False)

    def name(self, meta, c):
        return ir.build(ir.Name, span=self.tspan(c[0]), id=str(c[0]))

    def list_lit(self, meta, c):
        return ir.build(ir.ListLit, span=self.span(meta), items=tuple(meaningful(c)))

    def string_lit(self, meta, c):
        tok = c[0]
        parts = self.string_parts(tok)
        sp = self.tspan(tok)
        if all(isinstance(p, str) for p in parts):
            return ir.build(ir.Lit, span=sp, type="str", value="".join(parts))
        return ir.build(ir.Interp, span=sp, parts=tuple(parts))


def _join(a: Span, b: Span) -> Span:
    return ir.span(a.file, a.line, a.col, b.end_line, b.end_col)
