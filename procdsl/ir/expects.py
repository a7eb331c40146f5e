"""The IR's expectations: the assertions an `expect` holds, over one run or over every schedule."""

from typing import Annotated, Literal, Optional, Union

from pydantic import Field

from procdsl.ir.exprs import Expr, ProcRef
from procdsl.ir.node import Node


class ExprAssertion(Node):
    kind: Literal["expr_assert"] = "expr_assert"
    expr: Expr
    at: Optional[Expr] = None
    at_end: bool = False


class OrderAssertion(Node):
    kind: Literal["order"] = "order"
    first: Expr
    relation: Literal["before", "after"]
    second: Expr


class Temporal(Node):
    kind: Literal["always", "never"]
    expr: Expr


class ForAll(Node):
    kind: Literal["forall"] = "forall"
    var: str
    label: ProcRef
    body: "Assertion"


class Deadlock(Node):
    kind: Literal["deadlock"] = "deadlock"


class Cell(Node):
    kind: Literal["cell"] = "cell"
    text: str


class PsTable(Node):
    kind: Literal["ps"] = "ps"
    at: Optional[Expr] = None
    header: tuple[Cell, ...]
    rows: tuple[tuple[Cell, ...], ...]


class TraceLine(Node):
    kind: Literal["trace_line"] = "trace_line"
    words: tuple[Cell, ...]


class TraceBlock(Node):
    kind: Literal["trace"] = "trace"
    lines: tuple[TraceLine, ...]


class AllOf(Node):
    kind: Literal["all_of"] = "all_of"
    items: "tuple[Assertion, ...]"


class Schedules(Node):
    """`in every schedule A` / `in some schedule A`: A over the schedules `procdsl explore` finds."""

    kind: Literal["schedules"] = "schedules"
    every: bool
    body: "Assertion"


class PossibleOutputs(Node):
    """`possible outputs == {...}` (or <=, >=, contains): the set of outputs over every schedule."""

    kind: Literal["outputs"] = "outputs"
    op: Literal["==", "<=", ">=", "contains"]
    values: tuple[str, ...]


class NoDeadlock(Node):
    """`never deadlock`: no schedule ends in a deadlock."""

    kind: Literal["no_deadlock"] = "no_deadlock"


OVER_SCHEDULES = ("schedules", "outputs", "no_deadlock")

Assertion = Annotated[Union[ExprAssertion, OrderAssertion, Temporal, ForAll, Deadlock, PsTable,
                            TraceBlock, AllOf, Schedules, PossibleOutputs, NoDeadlock], Field(discriminator="kind")]


class Expect(Node):
    kind: Literal["expect"] = "expect"
    description: Optional[str] = None
    points: Optional[float] = None
    visibility: str = "visible"
    assertion: Assertion
