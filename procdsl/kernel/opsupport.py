"""What every statement's implementation shares: the runtime op, names, statuses, argument checks.

An op function returns CONTINUE (the process goes on; the loop charges the op's cost),
BLOCKED (the process left the CPU), EXITED, or RESUMED (back from a handler: the
interrupted statement's cost was already paid). Blocking calls leave the program counter
on themselves, so a wake-up simply runs the call again: that is how wait, read, write and
lock restart after a handler (SA_RESTART). A call the handler interrupted for good finds
`p.eintr` set when it runs again and fails with EINTR (`interrupted`).
"""

from __future__ import annotations

import math
from typing import Any, Callable, Final

from procdsl.core.linux import ERRNO
from procdsl.core.values import (
    MISSING,
    Dur,
    Errno,
    PipeVal,
    ProgramFault,
    SharedCell,
    brief,
    compile_expr,
    type_name,
)
from procdsl.kernel.memory import Mutex
from procdsl.kernel.process import Proc

CONTINUE: Final = "continue"
BLOCKED: Final = "blocked"
EXITED: Final = "exited"
RESUMED: Final = "resumed"
HEAP_LIMIT = 262_144         # pages (1 GiB) one process may allocate; more fails with ENOMEM
EBADF, ECHILD, EAGAIN, EPERM, EPIPE, ESRCH, EINVAL, ENOMEM, EMFILE, EINTR, EDEADLK = (ERRNO[n] for n in (
    "EBADF", "ECHILD", "EAGAIN", "EPERM", "EPIPE", "ESRCH", "EINVAL", "ENOMEM", "EMFILE", "EINTR", "EDEADLK"))


class RuntimeOp:
    """One statement as the kernel runs it (code.load_op fills every field)."""

    __slots__ = ("fn", "cost", "precost", "span", "expr", "expr2", "name", "jump", "signal", "flag", "args",
                 "aux", "pc", "visible", "pure", "dur")
    # declared for the compiled kernel, which keeps only the fields a class names; the
    # fields that hold None or a value are Any (see process.Proc on narrowing)
    fn: Callable[..., Any]       # op_NAME(k, p, op) -> a status above
    cost: int                    # the machine's `step`, charged after the op (0: free)
    precost: int                 # a system call's cost, charged before it runs
    span: Any
    expr: Any                    # compiled expressions: callables of p, or None
    expr2: Any
    name: Any
    jump: Any
    signal: Any
    flag: bool
    args: tuple
    aux: Any
    pc: int
    visible: bool                # the explorer's reading (chooser.mark_visible)
    pure: bool
    dur: Any                     # compute/sleep/io: a constant duration, or None


class RuntimeProgram:
    __slots__ = ("name", "ops", "burst")

    def __init__(self, name: str, ops: tuple, burst: int | None) -> None:
        self.name = name
        self.ops = ops              # of RuntimeOp, indexed by the program counter
        self.burst: Any = burst


def lookup(p: Proc, name: str, span: Any) -> Any:
    v = p.vars.get(name, MISSING)
    if v is not MISSING:
        return v.value if type(v) is SharedCell else v
    if name == "pid":
        return p.pid
    if name == "ppid":
        return p.parent.pid if p.parent is not None else 0
    if name == "errno":
        return Errno(p.errno)
    if name == "pgid":
        return p.pgid
    if name == "sid":
        return p.sid
    if name == "args":
        return p.args
    if name in ("stdin", "stdout", "stderr"):
        return ("stdin", "stdout", "stderr").index(name)
    if name in _IDS:
        return getattr(p, name)
    if name == "environ":
        return tuple(f"{n}={v}" for n, v in p.env.items())
    if span is MISSING:
        return MISSING
    raise ProgramFault(f"'{name}' has no value yet", span)


_IDS = frozenset(("uid", "euid", "gid", "egid", "groups"))
_GETID = {"getuid": "uid", "geteuid": "euid", "getgid": "gid", "getegid": "egid"}


def _getenv(args: tuple, span: Any):
    """getenv("NAME") is the value, or "" when it is unset; getenv("NAME", default) gives default then."""
    name_f = args[0]
    default_f = args[1] if len(args) > 1 else None

    def getenv(p):
        name = name_f(p)
        if not isinstance(name, str):
            raise ProgramFault(f"getenv takes a variable's name as a string, not a {type_name(name)}", span)
        v = p.env.get(name)
        if v is not None:
            return v
        return default_f(p) if default_f is not None else ""
    return getenv


def _functions(rng: Any):
    """Functions a program may call; the random ones draw from the scenario's seeded generator."""

    def call(e: Any, lookup_fn: Any, span: Any):
        func = getattr(e, "func", "cpu")
        args = tuple(compile_expr(a, lookup_fn, call) for a in getattr(e, "args", ()))
        if func == "len" and len(args) == 1:
            arg = args[0]

            def length(p):
                v = arg(p)
                if not isinstance(v, (tuple, str)):
                    raise ProgramFault(f"len needs a list or a string, not a {type_name(v)}", span)
                return len(v)
            return length
        if func in _GETID and not args:
            field = _GETID[func]
            return lambda p: getattr(p, field)
        if func == "getenv" and len(args) in (1, 2):
            return _getenv(args, span)
        if func == "peek" and len(args) == 1:
            return _peek(args[0], span)
        if func == "random" and len(args) == 2 and rng is not None:
            lo_f, hi_f = args

            def uniform(p):
                lo, hi = lo_f(p), hi_f(p)
                if not (isinstance(lo, int) and isinstance(hi, int)) or hi < lo:
                    raise ProgramFault(f"random(low, high) needs low <= high, got {brief(lo)}, {brief(hi)}", span)
                value = rng.randint(int(lo), int(hi))
                return Dur(value) if isinstance(lo, Dur) else value
            return uniform
        if func == "exponential" and len(args) == 1 and rng is not None:
            mean_f = args[0]

            def exponential(p):
                mean = mean_f(p)
                if not isinstance(mean, Dur) or mean <= 0:
                    raise ProgramFault(f"exponential(mean) needs a positive duration, got {brief(mean)}", span)
                u = rng.getrandbits(53) / (1 << 53)        # [0, 1): -log(1 - u) is finite
                return Dur(round(-int(mean) * math.log1p(-u)))
            return exponential
        raise ProgramFault(f"'{func}' is not a function a program can call", span)
    return call


def _peek(addr_f: Any, span: Any):
    def peek(p):
        addr = addr_f(p)
        value = p.mm.peek(addr) if p.mm is not None and type(addr) is int else None
        if value is None:
            raise ProgramFault(f"peek({brief(addr)}) reads no mmap'd region (Linux would raise SIGSEGV)", span)
        return value
    return peek


_call = _functions(None)


def compile_program_expr(e: Any, rng: Any = None):
    return compile_expr(e, lookup, _functions(rng) if rng is not None else _call)


# ---------------------------------------------------------------------- helpers


def _int(v: Any, what: str, span: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise ProgramFault(f"{what} needs a number, not a {type_name(v)}", span)
    return int(v)


def _duration(v: Any, span: Any) -> int:
    if not isinstance(v, Dur):
        raise ProgramFault(f"a duration is needed here, not a {type_name(v)} ({brief(v)})", span)
    if v < 0:
        raise ProgramFault(f"a duration cannot be negative ({v})", span)
    return int(v)


def duration_text(ns: int) -> str:
    """format_duration(ns) for ns >= 0, without its loop: a blocked sleep names its end time in
    the trace (`sleep until 20.002ms`), once per block, so this is on the dispatch path."""
    if ns >= 1_000_000:
        if ns >= 1_000_000_000:
            whole, frac = divmod(ns, 1_000_000_000)
            return f"{whole}s" if not frac else f"{whole}.{frac:09d}".rstrip("0") + "s"
        whole, frac = divmod(ns, 1_000_000)
        return f"{whole}ms" if not frac else f"{whole}.{frac:06d}".rstrip("0") + "ms"
    if ns >= 1_000:
        whole, frac = divmod(ns, 1_000)
        return f"{whole}us" if not frac else f"{whole}.{frac:03d}".rstrip("0") + "us"
    return f"{ns}ns"


def _fd(v: Any, span: Any, writing: bool) -> int:
    if isinstance(v, PipeVal):
        return v.write if writing else v.read
    return _int(v, "a file descriptor", span)


def copied(k, p: Proc, n: int) -> None:
    """copy_to_user / copy_from_user: n bytes cost the machine's `copy_kib` per KiB, rounded up."""
    if k.copy_ns and n > 0:
        p.remaining += -(-n * k.copy_ns // 1024)


def _fail(k, p: Proc, call: str, err: int) -> None:
    p.errno = err
    k.emit(p.cpu.id if p.cpu is not None else -1, p.pid, "fail", (call, err))     # k.cpu_of(p), inline


def interrupted(k, p: Proc, call: str) -> bool:
    """Did a handler end the blocking `call` at p's pc? Then the call fails now with EINTR.

    The signal code sets `p.eintr` when a handler runs while p is blocked in an interruptible
    call and the handler has no SA_RESTART (sleep, pause and sigsuspend: whatever its flags).
    Each blocking op asks this at entry; when it answers True the op stores its -1 result (a
    sleep: the time left), moves past itself and returns CONTINUE."""
    if not p.eintr:
        return False
    p.eintr = False
    _fail(k, p, call, EINTR)
    return True


def _signal(v: Any, span: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 31:
        raise ProgramFault(f"not a signal: {brief(v)}", span)
    return int(v)


def _set(p: Proc, name: str, value: Any) -> None:
    cur = p.vars.get(name)
    if type(cur) is SharedCell:
        cur.value = value
    else:
        p.vars[name] = value


# ---------------------------------------------------------------------- ops


def _mutex(v: Any, span: Any) -> Mutex:
    if isinstance(v, SharedCell):
        v = v.value
    if not isinstance(v, Mutex):
        raise ProgramFault(f"lock and unlock take a mutex (m = mutex), not a {type_name(v)}", span)
    return v
