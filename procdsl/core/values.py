"""Runtime values of programs, and the compiler from IR expressions to Python closures."""

from __future__ import annotations

import math
import operator
from typing import Any, Callable

from procdsl import ir
from procdsl.core.bounds import INT_LIMIT, LIST_LIMIT, STR_LIMIT, list_measure, past_bound, without
from procdsl.core.linux import ERRNO, ERRNO_NAMES, SIGNAL_NAMES, SIGNALS
from procdsl.core.show import BRIEF_LIMIT, show
from procdsl.ir.unparse import format_duration


class ProgramFault(Exception):
    """A program did something the language cannot give meaning to (adding a list to a number)."""

    def __init__(self, message: str, span: Any) -> None:
        super().__init__(message)
        self.message = message
        self.span = span


class DivideByZero(Exception):
    """Integer division by zero: the kernel turns it into SIGFPE, as the CPU's trap would."""


class Dur(int):
    """A duration in nanoseconds; arithmetic keeps the unit, duration/duration is a ratio."""

    __slots__ = ()

    def __repr__(self) -> str:
        return format_duration(int(self))

    __str__ = __repr__

    def __add__(self, o):
        return Dur(int(self) + int(o)) if isinstance(o, int) and not isinstance(o, bool) else NotImplemented

    __radd__ = __add__

    def __sub__(self, o):
        return Dur(int(self) - int(o)) if isinstance(o, int) else NotImplemented

    def __rsub__(self, o):
        return Dur(int(o) - int(self)) if isinstance(o, int) else NotImplemented

    def __mul__(self, o):
        if isinstance(o, Dur):
            return NotImplemented
        if isinstance(o, float):
            return Dur(round(int(self) * o))
        return Dur(int(self) * int(o)) if isinstance(o, int) else NotImplemented

    __rmul__ = __mul__

    def __neg__(self):
        return Dur(-int(self))


class Sig(int):
    """A signal number that shows its name: SIGINT == 2, and "{s}" prints SIGINT."""

    __slots__ = ()

    def __str__(self) -> str:
        return SIGNAL_NAMES.get(int(self), str(int(self)))

    __repr__ = __str__


class Errno(int):
    __slots__ = ()

    def __str__(self) -> str:
        return ERRNO_NAMES.get(int(self), str(int(self))) if int(self) else "0"

    __repr__ = __str__


class Status:
    """What `wait` returns: s.pid, s.code, s.signal, s.exited, s.signaled, s.coredump, and for
    `wait untraced` / `wait continued` s.stopped, s.stopsig, s.continued."""

    __slots__ = ("pid", "code", "signal", "exited", "signaled", "coredump", "stopped", "stopsig", "continued")

    def __init__(self, pid: int, code: int = 0, signal: int = 0, core: bool = False, stopsig: int = 0,
                 continued: bool = False) -> None:
        self.pid = pid
        self.code = code
        self.signal = Sig(signal)
        self.stopsig = Sig(stopsig)
        self.stopped = pid > 0 and stopsig != 0
        self.continued = pid > 0 and continued
        self.exited = pid > 0 and signal == 0 and not (stopsig or continued)
        self.signaled = pid > 0 and signal != 0
        self.coredump = self.signaled and core

    def __str__(self) -> str:
        if self.pid <= 0:
            return f"pid {self.pid}"
        if self.stopped:
            return f"pid {self.pid} stopped by {self.stopsig}"
        if self.continued:
            return f"pid {self.pid} continued"
        if self.signaled:
            return f"pid {self.pid} killed by {self.signal}" + (" (core dumped)" if self.coredump else "")
        return f"pid {self.pid} exited {self.code}"


class PipeVal:
    """`p = pipe`: the two descriptors, p.read and p.write."""

    __slots__ = ("read", "write", "id")

    def __init__(self, read: int, write: int, pipe_id: int) -> None:
        self.read = read
        self.write = write
        self.id = pipe_id

    def __str__(self) -> str:
        return f"pipe({self.read}, {self.write})"


class SharedCell:
    """A `shared` variable: one cell that every process forked after it sees."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


MISSING = object()

def bounded(v: Any, span: Any) -> Any:
    """v itself, or a program fault when it is past its bound (core/bounds.py)."""
    if isinstance(v, int):
        if not -INT_LIMIT <= v < INT_LIMIT:
            raise ProgramFault("integer overflow: numbers are 64-bit", span)
        return v
    problem = past_bound(v)
    if problem is not None:
        raise ProgramFault(problem, span)
    return v


def brief(v: Any) -> str:
    """A value as a fault message quotes it: a few dozen characters at most."""
    return show(v, BRIEF_LIMIT)


def type_name(v: Any) -> str:
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, Dur):
        return "duration"
    if isinstance(v, Sig):
        return "signal"
    if isinstance(v, int):
        return "number"
    if isinstance(v, float):
        return "decimal"
    if isinstance(v, str):
        return "string"
    if isinstance(v, tuple):
        return "list"
    return type(v).__name__.lower()


def divide(a: Any, b: Any, op: str) -> Any:
    """Integer division truncates toward zero as in C; durations divide into ratios.

    The remainder has the sign of the left side, for decimals too (C's fmod)."""
    if not (isinstance(a, (int, float)) and isinstance(b, (int, float))):
        raise TypeError(op)
    if isinstance(a, float) or isinstance(b, float) or (isinstance(a, Dur) and isinstance(b, Dur) and op == "/"):
        if b == 0:
            raise DivideByZero()
        return a / b if op == "/" else math.fmod(a, b)
    if b == 0:
        raise DivideByZero()
    q = abs(int(a)) // abs(int(b))
    if (a < 0) != (b < 0):
        q = -q
    if op == "/":
        return Dur(q) if isinstance(a, Dur) else q
    r = int(a) - q * int(b)
    return Dur(r) if isinstance(a, Dur) else r


def arith(op: str, a: Any, b: Any, span: Any) -> Any:
    if type(a) is int and type(b) is int and (op == "+" or op == "-"):
        # plain integers (no bool, no unit), as `x += 1` and `n - 1`: only the 64-bit bound applies
        r = a + b if op == "+" else a - b
        if -INT_LIMIT <= r < INT_LIMIT:
            return r
    if isinstance(a, bool) or isinstance(b, bool):
        raise ProgramFault(f"cannot compute {type_name(a)} {op} {type_name(b)}: booleans are not numbers", span)
    if op in "+-" and (isinstance(a, Dur) != isinstance(b, Dur)) and isinstance(a, int) and isinstance(b, int) \
            and not isinstance(a, str) and not isinstance(b, str):
        raise ProgramFault(f"cannot compute {type_name(a)} {op} {type_name(b)}: give the number a unit "
                           f"(5ms, 3us)", span)
    try:
        if op == "+":
            if isinstance(a, str) or isinstance(b, str):
                return bounded(show(a) + show(b), span)
            return bounded(a + b, span)
        if op == "-":
            if isinstance(a, tuple):
                return without(a, b if isinstance(b, tuple) else (b,))
            return bounded(a - b, span)
        if op == "*":
            if isinstance(a, (str, tuple)) or isinstance(b, (str, tuple)):
                seq, n = (a, b) if isinstance(a, (str, tuple)) else (b, a)
                if isinstance(n, bool) or not isinstance(n, int) or isinstance(n, Dur):
                    raise ProgramFault(f"cannot compute {type_name(a)} * {type_name(b)}", span)
                limit = STR_LIMIT if isinstance(seq, str) else LIST_LIMIT
                size = len(seq) if isinstance(seq, str) else list_measure(seq)[0]
                if size * max(n, 0) > limit:
                    raise ProgramFault(f"a {type_name(seq)} longer than {limit} would result", span)
                return seq * n
            return bounded(a * b, span)
        return bounded(divide(a, b, op), span)
    except DivideByZero:
        raise
    except TypeError:
        raise ProgramFault(f"cannot compute {type_name(a)} {op} {type_name(b)}", span) from None
    except OverflowError:
        raise ProgramFault(f"cannot compute {type_name(a)} {op} {type_name(b)}: the result is out of range",
                           span) from None


class Scope:
    """How names resolve: the kernel and the checker each give their own `lookup`."""

    def __init__(self, lookup: Callable[[Any, str, Any], Any]) -> None:
        self.lookup = lookup


def constant(name: str) -> Any:
    if name in SIGNALS:
        return Sig(SIGNALS[name][0])
    if name in ERRNO:
        return Errno(ERRNO[name])
    if name == "true":
        return True
    if name == "false":
        return False
    return MISSING


def compile_expr(e: ir.Expr, lookup: Callable[[Any, str, Any], Any],
                 call: Callable[[str, tuple, Any], Callable] | None = None) -> Callable[[Any], Any]:
    """A closure env -> value. `lookup(env, name, span)` reads names; `call` builds function calls."""
    k = e.kind
    span = e.span
    if k == "lit":
        v = e.value
        if e.type == "duration":
            v = Dur(v)
        return lambda env: v
    if k == "name":
        name = e.id
        const = constant(name)
        if const is not MISSING:
            def read_or_const(env):
                v = lookup(env, name, MISSING)
                return const if v is MISSING else v
            return read_or_const
        return lambda env: lookup(env, name, span)
    if k == "interp":
        parts = tuple(p if isinstance(p, str) else compile_expr(p, lookup, call) for p in e.parts)
        return lambda env: bounded("".join(p if isinstance(p, str) else show(p(env)) for p in parts), span)
    if k == "list":
        items = tuple(compile_expr(x, lookup, call) for x in e.items)
        return lambda env: bounded(tuple(f(env) for f in items), span)
    if k == "attr":
        obj = compile_expr(e.obj, lookup, call)
        attr = e.name

        def get_attr(env):
            v = obj(env)
            if isinstance(v, SharedCell):
                v = v.value
            try:
                return getattr(v, attr) if attr in getattr(type(v), "__slots__", ()) else _no_attr(v, attr, span)
            except AttributeError:
                return _no_attr(v, attr, span)
        return get_attr
    if k == "index":
        obj = compile_expr(e.obj, lookup, call)
        idx = compile_expr(e.index, lookup, call)

        def get_index(env):
            v, i = obj(env), idx(env)
            if not isinstance(v, (tuple, str)) or not isinstance(i, int):
                raise ProgramFault(f"cannot index a {type_name(v)} with a {type_name(i)}", span)
            if not -len(v) <= i < len(v):
                raise ProgramFault(f"index {i} is outside a {type_name(v)} of length {len(v)}", span)
            return v[i]
        return get_index
    if k == "unary":
        operand = compile_expr(e.operand, lookup, call)
        if e.op == "not":
            return lambda env: not operand(env)

        def negate(env):
            v = operand(env)
            if not isinstance(v, (int, float)) or isinstance(v, bool):
                raise ProgramFault(f"cannot negate a {type_name(v)}", span)
            return bounded(-v, span)
        return negate
    if k == "binary":
        left = compile_expr(e.left, lookup, call)
        right = compile_expr(e.right, lookup, call)
        op = e.op
        if op == "and":
            return lambda env: left(env) and right(env)
        if op == "or":
            return lambda env: left(env) or right(env)
        if op == "+":
            def add(env):
                a, b = left(env), right(env)
                if type(a) is int and type(b) is int:
                    r = a + b
                    if -INT_LIMIT <= r < INT_LIMIT:
                        return r
                return arith("+", a, b, span)
            return add
        return lambda env: arith(op, left(env), right(env), span)
    if k == "compare":
        left = compile_expr(e.left, lookup, call)
        right = compile_expr(e.right, lookup, call)
        tol = compile_expr(e.tolerance, lookup, call) if e.tolerance is not None else None
        return _comparator(e.op, left, right, tol, span)
    if k == "contains":
        item = compile_expr(e.item, lookup, call)
        container = compile_expr(e.container, lookup, call)
        negate = e.negate

        def contains(env):
            a, b = item(env), container(env)
            if isinstance(b, str):
                result = show(a) in b
            elif isinstance(b, tuple):
                result = a in b
            else:
                raise ProgramFault(f"`in` needs a string or a list on its right, not a {type_name(b)}", span)
            return result != negate
        return contains
    if k in ("call", "cpu"):
        if call is None:
            raise ProgramFault("functions are for expectations", span)
        return call(e, lookup, span)
    raise AssertionError(f"procdsl bug: no evaluation for expression {k!r}")


def _no_attr(v: Any, attr: str, span: Any) -> Any:
    raise ProgramFault(f"a {type_name(v)} has no field '{attr}'", span)


# a comparison of two plain integers (no bool, no unit) without a tolerance, as `i < n`
_INT_COMPARE = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
                ">=": operator.ge}


def _comparator(op: str, left, right, tol, span):
    ints = _INT_COMPARE.get(op) if tol is None else None

    def compare(env):
        a, b = left(env), right(env)
        if ints is not None and type(a) is int and type(b) is int:
            return ints(a, b)
        if isinstance(a, SharedCell):
            a = a.value
        if tol is not None:
            t = tol(env)
            if a is None or b is None or t is None:       # a side or the tolerance has no value
                return False
            if isinstance(t, bool) or not isinstance(t, (int, float)):
                raise ProgramFault(f"a tolerance must be a number or a duration, not a {type_name(t)}", span)
            try:
                diff = a - b
            except TypeError:
                raise ProgramFault(f"cannot compare {type_name(a)} with {type_name(b)}", span) from None
            if op == "==":
                return abs(diff) <= t
            if op == "!=":
                return abs(diff) > t
        if op == "==":
            return _eq(a, b)
        if op == "!=":
            return not _eq(a, b)
        if a is None or b is None:
            return False
        try:
            if op == "<":
                return a < b
            if op == "<=":
                return a <= b
            if op == ">":
                return a > b
            return a >= b
        except TypeError:
            raise ProgramFault(f"cannot compare {type_name(a)} with {type_name(b)}", span) from None
    return compare


def _eq(a: Any, b: Any) -> bool:
    if isinstance(a, str) != isinstance(b, str):
        return False
    return a == b
