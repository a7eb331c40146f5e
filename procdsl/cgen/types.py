"""The C type of each variable and expression of a program: procdsl is dynamically typed, C is not.

A type is a word: `int bool dur float str sig errno status pipe mutex`, or `list:T` for a
list of T, or `shared:T` for a `shared` variable. Each variable has one type for the
whole program (its handlers and fork blocks included); a variable that holds two kinds
of value, or an expression procdsl would fault on, has no C translation and says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Optional

from procdsl import ir
from procdsl.core.linux import ERRNO, SIGNALS
from procdsl.ir.span import Span

NUMBERS = ("int", "bool", "dur", "sig", "errno")     # all a C long
BUILTINS = {"pid": "int", "ppid": "int", "errno": "errno", "stdin": "int", "stdout": "int", "stderr": "int"}


class Untranslatable(Exception):
    """Something with no faithful C equivalent: where it is and why."""

    def __init__(self, span: Optional[Span], message: str, hint: str = "") -> None:
        super().__init__(message)
        self.span, self.message, self.hint = span, message, hint


def constant(name: str) -> Optional[tuple[str, int]]:
    """A name every program knows: a signal, an errno value, true or false."""
    if name in SIGNALS:
        return "sig", SIGNALS[name][0]
    if name in ERRNO:
        return "errno", ERRNO[name]
    if name in ("true", "false"):
        return "bool", int(name == "true")
    return None


def element(t: str) -> Optional[str]:
    """The item type of a list type; `[]` is a list:* that takes the type of what it meets."""
    if not t.startswith("list:"):
        return None
    return "int" if t == "list:*" else t[5:]


def compatible(old: str, new: str) -> bool:
    return old == new or (old.startswith("list:") and new == "list:*")


def unify(old: str, new: str) -> Optional[str]:
    """The one type that both are, or None."""
    if compatible(old, new):
        return old
    if compatible(new, old):
        return new
    return None


def base(t: str) -> str:
    return t[7:] if t.startswith("shared:") else t


def walk(stmts: tuple) -> Iterator:
    """Every statement, nested blocks, fork blocks and handlers included, in order."""
    for s in stmts:
        yield s
        if isinstance(s, ir.If):
            for b in s.branches:
                yield from walk(b.body)
            if s.orelse:
                yield from walk(s.orelse)
        elif isinstance(s, (ir.While, ir.Repeat, ir.Loop, ir.For, ir.ForkBlock, ir.On)):
            yield from walk(s.body)


@dataclass
class Scope:
    """What names mean in one program: its variables' types and its `args`."""

    program: str
    variables: dict[str, str] = field(default_factory=dict)
    args: Optional[list[tuple[str, ...]]] = None        # the types passed at each run and exec of it

    def name(self, e: ir.Name) -> str:
        if e.id in self.variables:
            return base(self.variables[e.id])
        if e.id in BUILTINS:
            return BUILTINS[e.id]
        if e.id == "args":
            return "list:" + self.args_element(e.span)
        c = constant(e.id)
        if c is None:
            raise Untranslatable(e.span, f"'{e.id}' has no value in {self.program}")
        return c[0]

    def arg_type(self, i: int, span: Span) -> str:
        kinds = {site[i] for site in self.args or () if -len(site) <= i < len(site)}
        if not kinds:
            raise Untranslatable(span, f"{self.program} is never given an argument {i}")
        if len(kinds) > 1:
            raise Untranslatable(span, f"args[{i}] of {self.program} is a {' at one call and a '.join(sorted(kinds))} "
                                       f"at another", "C needs one type per argument: pass the same kind of value")
        return kinds.pop()

    def args_element(self, span: Span) -> str:
        kinds = {t for site in self.args or () for t in site}
        if len(kinds) > 1:
            raise Untranslatable(span, f"the args of {self.program} mix {' and '.join(sorted(kinds))}",
                                 "read them one by one (args[0], args[1]): C needs one type per list")
        return kinds.pop() if kinds else "int"


def type_of(e: ir.Expr, scope: Scope) -> str:
    """The C type of an expression, or Untranslatable where procdsl would fault or C cannot follow."""
    k = e.kind
    if k == "lit":
        return {"int": "int", "size": "int", "float": "float", "str": "str", "bool": "bool",
                "duration": "dur"}[e.type]
    if k == "name":
        return scope.name(e)
    if k == "interp":
        for p in e.parts:
            if not isinstance(p, str):
                type_of(p, scope)
        return "str"
    if k == "list":
        kinds = {type_of(x, scope) for x in e.items}
        if len(kinds) > 1:
            raise Untranslatable(e.span, f"a list of {' and '.join(sorted(kinds))}", "C needs one type per list")
        if not kinds:
            return "list:*"
        inner = kinds.pop()
        if inner not in NUMBERS + ("str",):
            raise Untranslatable(e.span, f"a list of {inner} values")
        return "list:" + inner
    if k == "attr":
        obj = type_of(e.obj, scope)
        fields = {"status": {"pid": "int", "code": "int", "signal": "sig", "exited": "bool", "signaled": "bool",
                             "coredump": "bool", "stopped": "bool", "stopsig": "sig", "continued": "bool"},
                  "pipe": {"read": "int", "write": "int"}}.get(obj, {})
        if e.name not in fields:
            raise Untranslatable(e.span, f"a {obj} has no field '{e.name}' (procdsl faults here)")
        return fields[e.name]
    if k == "index":
        idx = type_of(e.index, scope)
        if idx != "int":
            raise Untranslatable(e.span, f"an index must be a number, not a {idx}")
        if isinstance(e.obj, ir.Name) and e.obj.id == "args" and "args" not in scope.variables:
            if isinstance(e.index, ir.Lit):
                return scope.arg_type(int(e.index.value), e.span)
            return scope.args_element(e.span)
        obj = type_of(e.obj, scope)
        if obj == "str":
            return "str"
        if element(obj) is None:
            raise Untranslatable(e.span, f"cannot index a {obj}")
        return element(obj) or "int"
    if k == "unary":
        t = type_of(e.operand, scope)
        if e.op == "not":
            return "bool"
        if t not in ("int", "dur", "float"):
            raise Untranslatable(e.span, f"cannot negate a {t} (procdsl faults here)")
        return t
    if k == "binary":
        return _binary(e, scope)
    if k in ("compare", "contains"):
        type_of(e.left if k == "compare" else e.item, scope)
        type_of(e.right if k == "compare" else e.container, scope)
        if k == "compare" and e.tolerance is not None:
            type_of(e.tolerance, scope)
        return "bool"
    if k == "call":
        if e.func == "len" and len(e.args) == 1:
            a = e.args[0]
            if isinstance(a, ir.Name) and a.id == "args" and "args" not in scope.variables:
                return "int"                     # the count alone: the items may be of mixed types
            t = type_of(a, scope)
            if t != "str" and element(t) is None:
                raise Untranslatable(e.span, f"len of a {t}")
            return "int"
        if e.func in ("random", "exponential"):
            raise Untranslatable(e.span, f"{e.func}() draws from procdsl's seeded generator",
                                 "a C program cannot draw the same numbers: write the values out")
        raise Untranslatable(e.span, f"{e.func}() has no C translation")
    raise Untranslatable(getattr(e, "span", None), f"a {k} expression has no C translation")


def _binary(e: ir.Binary, scope: Scope) -> str:
    a, b, op = type_of(e.left, scope), type_of(e.right, scope), e.op
    if op in ("and", "or"):
        if a != b and not (a in NUMBERS and b in NUMBERS):
            raise Untranslatable(e.span, f"`{op}` of a {a} and a {b}: its value is one of them",
                                 "compare them first, so that both sides are booleans")
        return a if a == b else "int"
    if op == "+" and "str" in (a, b):
        return "str"
    if "bool" in (a, b):
        raise Untranslatable(e.span, f"{a} {op} {b}: booleans are not numbers (procdsl faults here)")
    pair = (a, b)
    if a in ("sig", "errno"):
        a = "int"
    if b in ("sig", "errno"):
        b = "int"
    table = {
        "+": {("int", "int"): "int", ("dur", "dur"): "dur", ("float", "float"): "float", ("int", "float"): "float",
              ("float", "int"): "float"},
        "-": {("int", "int"): "int", ("dur", "dur"): "dur", ("float", "float"): "float", ("int", "float"): "float",
              ("float", "int"): "float"},
        "*": {("int", "int"): "int", ("dur", "int"): "dur", ("int", "dur"): "dur", ("dur", "float"): "dur",
              ("float", "dur"): "dur", ("float", "float"): "float", ("int", "float"): "float", ("float", "int"): "float",
              ("str", "int"): "str", ("int", "str"): "str"},
        "/": {("int", "int"): "int", ("dur", "int"): "dur", ("dur", "dur"): "float", ("float", "float"): "float",
              ("int", "float"): "float", ("float", "int"): "float"},
        "%": {("int", "int"): "int", ("dur", "int"): "dur", ("dur", "dur"): "dur"},
    }[op]
    if (a, b) in table:
        return table[(a, b)]
    la = element(a)
    if la is not None and (op == "+" and unify(a, b) or op == "-" and (unify(a, b) or la == b)):
        return unify(a, b) or a
    if la is not None and op == "*" and b == "int":
        return a
    raise Untranslatable(e.span, f"cannot compute {pair[0]} {op} {pair[1]} (procdsl faults here)")


def infer(program: ir.Program, args: Optional[list[tuple[str, ...]]]) -> Scope:
    """Every variable's type, found by repeating the walk until nothing new is learnt."""
    scope = Scope(program.name, args=args)
    assigned: dict[str, tuple[str, Span]] = {}
    for _ in range(12):
        changed = False
        for s in walk(program.body):
            for name, t, span in _assignments(s, scope):
                if t is None:
                    continue
                old = assigned.get(name)
                if old is None or (old[0] != t and unify(old[0], t) == t):
                    assigned[name] = (t, span)
                    scope.variables[name] = t
                    changed = True
                elif unify(old[0], t) is None:
                    raise Untranslatable(span, f"'{name}' holds a {base(old[0])} (line {old[1].line}) and a {base(t)} here",
                                         "C needs one type per variable: use another name for one of them")
        if not changed:
            break
    return scope


def _assignments(s, scope: Scope) -> Iterator[tuple[str, Optional[str], Span]]:
    def known(e: ir.Expr) -> Optional[str]:
        try:
            return type_of(e, scope)
        except Untranslatable:
            return None          # a name not typed yet: the next pass will know it
    if isinstance(s, ir.Assign):
        t = known(s.value)
        if t is not None and s.op != "=" and s.name in scope.variables:
            t = known(ir.Binary(span=s.span, op=s.op[0], left=ir.Name(span=s.span, id=s.name), right=s.value))
        if t is not None and (s.shared or scope.variables.get(s.name, "").startswith("shared:")):
            if t not in NUMBERS:
                raise Untranslatable(s.span, f"a shared {t}: C shares memory, not {t} values",
                                     "share numbers (and mutexes) only")
            t = "shared:" + t
        yield s.name, t, s.span
    elif isinstance(s, ir.SpecialAssign):
        yield s.name, {"fork": "int", "pipe": "pipe", "mutex": "mutex"}[s.what], s.span
    elif isinstance(s, ir.Wait) and s.into:
        yield s.into, "status", s.span
    elif isinstance(s, ir.Read):
        if s.into:
            yield s.into, "int", s.span             # `n = read FD COUNT`: the bytes read, or -1
        if s.buffer:
            yield s.buffer, "str", s.span           # `into VAR`: what was read, as text
    elif isinstance(s, ir.Write) and s.into:
        yield s.into, "int", s.span                 # `n = write FD TEXT`: the bytes written, or -1
    elif isinstance(s, (ir.TimedStmt, ir.Timer)) and s.into:
        yield s.into, "dur", s.span                 # `left = sleep D`, `left = alarm D`: the time left
    elif isinstance(s, ir.ForkBlock):
        yield s.label, "int", s.label_span
    elif isinstance(s, ir.For):
        t = known(s.iterable)
        if t is not None:
            yield s.var, element(t) or ("str" if t in ("pipe", "int") else None), s.span
