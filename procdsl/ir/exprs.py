"""The IR's expressions, and the references a statement names a descriptor, a signal or a process by."""

from typing import Annotated, Literal, Optional, Union

from pydantic import Field

from procdsl.ir.node import Node
from procdsl.ir.span import Span


class Lit(Node):
    kind: Literal["lit"] = "lit"
    type: Literal["int", "float", "str", "bool", "duration", "size"]
    value: Union[bool, int, float, str]


class Name(Node):
    kind: Literal["name"] = "name"
    id: str


class Attr(Node):
    kind: Literal["attr"] = "attr"
    obj: "Expr"
    name: str


class Index(Node):
    kind: Literal["index"] = "index"
    obj: "Expr"
    index: "Expr"


class Call(Node):
    kind: Literal["call"] = "call"
    func: str
    func_span: Span
    args: "tuple[Expr, ...]"


class Unary(Node):
    kind: Literal["unary"] = "unary"
    op: Literal["neg", "not"]
    operand: "Expr"


class Binary(Node):
    kind: Literal["binary"] = "binary"
    op: Literal["+", "-", "*", "/", "%", "and", "or"]
    left: "Expr"
    right: "Expr"


class Compare(Node):
    kind: Literal["compare"] = "compare"
    op: Literal["==", "!=", "<", "<=", ">", ">="]
    left: "Expr"
    right: "Expr"
    tolerance: "Optional[Expr]" = None


class Contains(Node):
    kind: Literal["contains"] = "contains"
    item: "Expr"
    container: "Expr"
    negate: bool = False


class ListLit(Node):
    kind: Literal["list"] = "list"
    items: "tuple[Expr, ...]"


class Interp(Node):
    """A string with `{expr}` parts: literal text and expressions, in order."""

    kind: Literal["interp"] = "interp"
    parts: "tuple[Union[str, Expr], ...]"


class CpuRef(Node):
    """`cpu N` as the argument of a machine-wide query: `switches(cpu 0)`."""

    kind: Literal["cpu"] = "cpu"
    cpu: int


Expr = Annotated[Union[CpuRef, Lit, Name, Attr, Index, Call, Unary, Binary, Compare, Contains, ListLit, Interp],
                 Field(discriminator="kind")]


class FdRef(Node):
    """The first operand of `write` and `dup2`: a name, `p.read`/`p.write`, or a number."""

    kind: Literal["fd"] = "fd"
    expr: Expr


class SigRef(Node):
    kind: Literal["sig"] = "sig"
    name: str


class ProcRef(Node):
    """A label, optionally indexed: `worker`, `worker[1]`."""

    kind: Literal["proc"] = "proc"
    label: str
    index: Optional[int] = None
