"""The lowering of expectations: `expect`, its settings and every kind of assertion (mixed into lower.Lower)."""

from __future__ import annotations

from procdsl import ir
from procdsl.core.bounds import INT_LIMIT
from procdsl.lang.tokens import Token, meaningful


class ExpectRules:
    """One method per grammar rule, as in Lower; they use its span, string, time and error helpers."""

    def expect(self, meta, children):
        desc, meta_tok, assertion = children
        points, visibility = None, "visible"
        if meta_tok is not None:
            points, visibility = self.expect_meta(meta_tok)
        return ir.build(ir.Expect, span=self.span(meta), description=self.string_value(desc) if desc is not None else None,
                         points=points, visibility=visibility, assertion=assertion)

    def expect_meta(self, tok: Token) -> tuple[float | None, str]:
        points: float | None = None
        visibility = "visible"
        for part in str(tok)[1:-1].split(","):
            words = part.split()
            if len(words) == 2 and words[1] in ("pt", "pts"):
                try:
                    points = float(words[0]) if "." in words[0] else int(words[0])
                except ValueError:
                    self.error(f"points must be a number, not {words[0]!r}", self.tspan(tok))
                if points is not None and not abs(points) < INT_LIMIT:
                    self.error("points out of range", self.tspan(tok), "points are at most 9223372036854775807")
                    points = None
            elif len(words) == 1 and words[0] in ("visible", "hidden", "after_due_date", "after_published"):
                visibility = words[0]
            else:
                self.error(f"unknown expectation setting {part.strip()!r}", self.tspan(tok),
                           "write [N pts] or [N pts, hidden]; visibility is visible, hidden, after_due_date or after_published")
        return points, visibility

    def assertion_block(self, meta, children):
        return ir.build(ir.AllOf, span=self.span(meta), items=tuple(meaningful(children)))

    def expr_assertion(self, meta, children):
        expr, at = children
        if at is None:
            return ir.build(ir.ExprAssertion, span=self.span(meta), expr=expr)
        if at == "end":
            return ir.build(ir.ExprAssertion, span=self.span(meta), expr=expr, at_end=True)
        return ir.build(ir.ExprAssertion, span=self.span(meta), expr=expr, at=at)

    def at_clause(self, meta, children):
        node = children[0]
        if isinstance(node, Token) and node.type == "END":
            return "end"
        return self.time(node)

    def order_assertion(self, meta, children):
        first, rel, second = children
        return ir.build(ir.OrderAssertion, span=self.span(meta), first=first, relation=str(rel), second=second)

    def always_assertion(self, meta, children):
        return ir.build(ir.Temporal, span=self.span(meta), kind="always", expr=children[0])

    def never_assertion(self, meta, children):
        return ir.build(ir.Temporal, span=self.span(meta), kind="never", expr=children[0])

    def forall_assertion(self, meta, children):
        var, label, body = children
        return ir.build(ir.ForAll, span=self.span(meta), var=str(var), label=label, body=body)

    def deadlock_assertion(self, meta, children):
        return ir.build(ir.Deadlock, span=self.span(meta))

    def schedules_assertion(self, meta, children):
        quantifier, body = children
        return ir.build(ir.Schedules, span=self.span(meta), every=str(quantifier) == "every", body=body)

    def outputs_assertion(self, meta, children):
        op, values = children
        if isinstance(values, Token):                 # contains "text"
            return ir.build(ir.PossibleOutputs, span=self.span(meta), op="contains",
                            values=(self.string_value(values),))
        if str(op) not in ("==", "<=", ">="):
            self.error(f"`possible outputs {op}` is not a comparison of sets", self.tspan(op),
                       "write ==, <= (every output is one of these), >= (each of these is possible) or contains")
            op = "=="
        return ir.build(ir.PossibleOutputs, span=self.span(meta), op=str(op), values=values)

    def output_set(self, meta, children):
        values = tuple(dict.fromkeys(self.string_value(t) for t in children
                                     if isinstance(t, Token) and t.type == "STRING"))
        return values

    def no_deadlock_assertion(self, meta, children):
        return ir.build(ir.NoDeadlock, span=self.span(meta))

    def ps_assertion(self, meta, children):
        when = children[0]
        rows = [r for r in meaningful(children[1:])]
        at = None if isinstance(when, Token) and when.type == "END" else self.time(when)
        return ir.build(ir.PsTable, span=self.span(meta), at=at, header=rows[0], rows=tuple(rows[1:]))

    def trace_assertion(self, meta, children):
        rows = meaningful(children)
        return ir.build(ir.TraceBlock, span=self.span(meta), lines=tuple(
            ir.build(ir.TraceLine, span=r[0].span.model_copy(update={"end_col": r[-1].span.end_col}), words=r) for r in rows))

    def table_row(self, meta, children):
        return tuple(self.cell(c) for c in children)

    def cell(self, c) -> ir.Cell:
        if isinstance(c, ir.Cell):
            return c
        text = self.string_value(c) if c.type == "STRING" else str(c)
        return ir.build(ir.Cell, span=self.tspan(c), text=text)

    def cell_word(self, meta, children):
        return self.cell(children[0])

    def cell_indexed(self, meta, children):
        items = meaningful(children)
        return ir.build(ir.Cell, span=self.span(meta), text=f"{items[0]}[{items[1]}]")

    def cell_dash(self, meta, children):
        return ir.build(ir.Cell, span=self.span(meta), text="-")
