"""Programs as the kernel runs them: the plan's ops loaded into slotted runtime ops, one function each.

An op function returns CONTINUE (the process goes on; the loop charges the op's cost),
BLOCKED (the process left the CPU) or EXITED. Blocking calls leave the program counter on
themselves, so a wake-up simply runs the call again: that is how wait, read, write and
lock restart after a handler (SA_RESTART), while sleep and pause are moved past instead.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from procdsl.kernel import memory, signals
from procdsl.kernel.memory import Mutex
from procdsl.kernel.pipes import TERMINAL, End
from procdsl.kernel.process import DISK, IGN, SLEEPING, ZOMBIE, Proc
from procdsl.linux import ERRNO, SIGPIPE, SIGSEGV, weight
from procdsl.plan import MachineConfig, Op, ProgramCode
from procdsl.values import (
    MISSING,
    Dur,
    Errno,
    PipeVal,
    ProgramFault,
    SharedCell,
    Sig,
    Status,
    arith,
    compile_expr,
    show,
    type_name,
)

if TYPE_CHECKING:
    from procdsl.kernel.loop import Kernel

CONTINUE, BLOCKED, EXITED, RESUMED = "continue", "blocked", "exited", "resumed"
FD_LIMIT = 1024              # RLIMIT_NOFILE's usual soft limit: dup2 beyond it fails with EBADF
HEAP_LIMIT = 262_144         # pages (1 GiB) one process may allocate; more fails with ENOMEM
# RESUMED: back from a handler; the interrupted statement's cost was already paid
EBADF, ECHILD, EAGAIN, EPERM, EPIPE, ESRCH, EINVAL, ENOMEM = (ERRNO[n] for n in (
    "EBADF", "ECHILD", "EAGAIN", "EPERM", "EPIPE", "ESRCH", "EINVAL", "ENOMEM"))


class RuntimeOp:
    __slots__ = ("fn", "cost", "precost", "span", "expr", "expr2", "name", "jump", "signal", "flag", "args",
                 "aux", "pc")


class RuntimeProgram:
    __slots__ = ("name", "ops", "burst")

    def __init__(self, name: str, ops: tuple, burst: int | None) -> None:
        self.name = name
        self.ops = ops
        self.burst = burst


# ---------------------------------------------------------------------- names
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
    if name == "args":
        return p.args
    if name in ("stdin", "stdout", "stderr"):
        return ("stdin", "stdout", "stderr").index(name)
    if span is MISSING:
        return MISSING
    raise ProgramFault(f"'{name}' has no value yet", span)


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
        if func == "random" and len(args) == 2 and rng is not None:
            lo_f, hi_f = args

            def uniform(p):
                lo, hi = lo_f(p), hi_f(p)
                if not (isinstance(lo, int) and isinstance(hi, int)) or hi < lo:
                    raise ProgramFault(f"random(low, high) needs low <= high, got {show(lo)}, {show(hi)}", span)
                value = rng.randint(int(lo), int(hi))
                return Dur(value) if isinstance(lo, Dur) else value
            return uniform
        if func == "exponential" and len(args) == 1 and rng is not None:
            mean_f = args[0]

            def exponential(p):
                mean = mean_f(p)
                if not isinstance(mean, Dur) or mean <= 0:
                    raise ProgramFault(f"exponential(mean) needs a positive duration, got {show(mean)}", span)
                u = rng.getrandbits(53) / (1 << 53)        # [0, 1): -log(1 - u) is finite
                return Dur(round(-int(mean) * math.log1p(-u)))
            return exponential
        raise ProgramFault(f"'{func}' is not a function a program can call", span)
    return call


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
        raise ProgramFault(f"a duration is needed here, not a {type_name(v)} ({show(v)})", span)
    if v < 0:
        raise ProgramFault(f"a duration cannot be negative ({v})", span)
    return int(v)


def _fd(v: Any, span: Any, writing: bool) -> int:
    if isinstance(v, PipeVal):
        return v.write if writing else v.read
    return _int(v, "a file descriptor", span)


def _fail(k: Kernel, p: Proc, call: str, err: int) -> None:
    p.errno = err
    k.emit(k.cpu_of(p), p.pid, "fail", (call, err))


def _signal(v: Any, span: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 31:
        raise ProgramFault(f"not a signal: {show(v)}", span)
    return int(v)


def _set(p: Proc, name: str, value: Any) -> None:
    cur = p.vars.get(name)
    if type(cur) is SharedCell:
        cur.value = value
    else:
        p.vars[name] = value


def _lowest_free_fd(p: Proc) -> int:
    for i, entry in enumerate(p.fds):
        if entry is None:
            return i
    p.fds.append(None)
    return len(p.fds) - 1


# ---------------------------------------------------------------------- ops
def op_compute(k, p, op):
    p.remaining += _duration(op.expr(p), op.span)
    p.pc += 1
    return CONTINUE


def op_sleep(k, p, op):
    if p.sleep_until < 0:
        p.sleep_until = k.now + _duration(op.expr(p), op.span)
    if k.now >= p.sleep_until:
        p.sleep_until = -1
        p.wait_kind = ""
        p.pc += 1
        return CONTINUE
    disk = op.flag
    k.block(p, DISK if disk else SLEEPING, "io" if disk else "sleep", None,
            f"{'io' if disk else 'sleep'} until {Dur(p.sleep_until)}")
    k.timer(p, p.sleep_until)
    return BLOCKED


def op_print(k, p, op):
    return write_fd(k, p, 1, show(op.expr(p)) + "\n")


def op_write(k, p, op):
    return write_fd(k, p, _fd(op.expr(p), op.span, True), show(op.expr2(p)))


def write_fd(k: Kernel, p: Proc, fd: int, text: str) -> str:
    entry = p.fds[fd] if 0 <= fd < len(p.fds) else None
    if entry is None or (isinstance(entry, End) and not entry.writing):
        _fail(k, p, "write", EBADF)
    elif entry is TERMINAL:
        k.emit(k.cpu_of(p), p.pid, "output", (fd, text))
    else:
        pipe = entry.pipe
        data = p.write_rest if p.write_rest is not None else text.encode()
        if pipe.readers == 0:
            p.write_rest = None
            signals.generate(k, p, SIGPIPE, sender=0, source="kernel")
            p.errno = EPIPE
            if not p.sigpending or p.handlers.get(SIGPIPE) is not None:
                _fail(k, p, "write", EPIPE)      # a default SIGPIPE kills before EPIPE is seen
        else:
            n = pipe.write(data)
            if n:
                k.wake_all(pipe.read_waiters, "data in " + str(pipe))
            if n < len(data):
                p.write_rest = data[n:]
                pipe.write_waiters.append(p)
                k.block(p, SLEEPING, "write", pipe, f"write to {pipe} (full)")
                return BLOCKED
            p.write_rest = None
    p.wait_kind = ""
    p.pc += 1
    return CONTINUE


def op_assign(k, p, op):
    value = op.expr(p)
    name = op.name
    if op.aux:                        # += or -=
        cur = p.vars.get(name, MISSING)
        if cur is MISSING:
            raise ProgramFault(f"'{name}' has no value yet", op.span)
        if type(cur) is SharedCell:
            # load, then store one step later: another CPU may store in between (a lost update)
            if p.pending_store is None:
                p.pending_store = (arith(op.aux, cur.value, value, op.span),)
                if op.cost:
                    p.remaining += k.rng.randint(0, 2 * op.cost)
                return CONTINUE
            cur.value = p.pending_store[0]
            p.pending_store = None
        else:
            p.vars[name] = arith(op.aux, cur, value, op.span)
    elif op.flag:
        p.vars[name] = SharedCell(value)
    else:
        _set(p, name, value)
    p.pc += 1
    return CONTINUE


def op_pipe(k, p, op):
    free = sum(1 for entry in p.fds if entry is None) + FD_LIMIT - len(p.fds)
    if free < 2:
        _fail(k, p, "pipe", ERRNO["EMFILE"])
        p.pc += 1
        return CONTINUE
    pipe = k.new_pipe()
    r = _lowest_free_fd(p)
    p.fds[r] = End(pipe, False)
    w = _lowest_free_fd(p)
    p.fds[w] = End(pipe, True)
    _set(p, op.name, PipeVal(r, w, pipe.id))
    k.emit(k.cpu_of(p), p.pid, "pipe", (pipe.id, r, w))
    p.pc += 1
    return CONTINUE


def op_mutex(k, p, op):
    k.next_mutex += 1
    m = Mutex(k.next_mutex)
    p.vars[op.name] = SharedCell(m) if op.flag else m
    p.pc += 1
    return CONTINUE


def op_jump(k, p, op):
    p.pc = op.jump
    return CONTINUE


def op_jump_if_false(k, p, op):
    p.pc = p.pc + 1 if op.expr(p) else op.jump
    return CONTINUE


def op_repeat_init(k, p, op):
    p.vars[op.name] = _int(op.expr(p), "repeat", op.span)
    p.pc += 1
    return CONTINUE


def op_repeat_next(k, p, op):
    left = p.vars[op.name]
    if left <= 0:
        p.pc = op.jump
    else:
        p.vars[op.name] = left - 1
        p.pc += 1
    return CONTINUE


def op_for_init(k, p, op):
    v = op.expr(p)
    if isinstance(v, tuple):
        p.vars[op.name] = (v, 0)
    elif isinstance(v, (PipeVal, int)) and not isinstance(v, bool):
        p.vars[op.name] = ("fd", _fd(v, op.span, False))
    else:
        raise ProgramFault(f"`for` goes over a list or a file descriptor, not a {type_name(v)}", op.span)
    p.pc += 1
    return CONTINUE


def op_for_next(k, p, op):
    items, i = p.vars[op.aux]
    if type(items) is str:
        return read_line(k, p, i, op)
    if i < len(items):
        _set(p, op.name, items[i])
        p.vars[op.aux] = (items, i + 1)
        p.pc += 1
    else:
        p.pc = op.jump
    return CONTINUE


def read_line(k: Kernel, p: Proc, fd: int, op: RuntimeOp) -> str:
    buf = p.linebuf.get(fd, "")
    while True:
        i = buf.find("\n")
        if i >= 0:
            p.linebuf[fd] = buf[i + 1:]
            _set(p, op.name, buf[:i])
            p.wait_kind = ""
            p.pc += 1
            return CONTINUE
        entry = p.fds[fd] if 0 <= fd < len(p.fds) else None
        if not isinstance(entry, End) or entry.writing:
            if entry is not TERMINAL:
                _fail(k, p, "read", EBADF)
            break
        pipe = entry.pipe
        if pipe.data:
            buf += pipe.read_all().decode("utf-8", errors="replace")
            k.wake_all(pipe.write_waiters, "room in " + str(pipe))
            continue
        if pipe.writers == 0:
            break
        p.linebuf[fd] = buf
        pipe.read_waiters.append(p)
        k.block(p, SLEEPING, "read", pipe, f"read from {pipe} (empty)")
        return BLOCKED
    p.wait_kind = ""
    if buf:                                   # a last line without a newline
        p.linebuf[fd] = ""
        _set(p, op.name, buf)
        p.pc += 1
    else:
        p.linebuf.pop(fd, None)
        p.pc = op.jump
    return CONTINUE


def op_fork(k, p, op):
    here = p.pc
    block = op.flag
    child = k.fork(p, op.name if block else None)
    if child is None:
        _fail(k, p, "fork", EAGAIN)
        if op.name and not block:
            _set(p, op.name, -1)
        p.pc = op.jump if block else here + 1
        return CONTINUE
    child.pc = here + 1
    if block:
        _set(p, op.name, child.pid)
        p.pc = op.jump
    else:
        if op.name:
            _set(p, op.name, child.pid)
            _set(child, op.name, 0)
        p.pc = here + 1
    return CONTINUE


def op_exec(k, p, op):
    prog = k.programs[op.name]
    args = tuple(f(p) for f in op.args)
    memory.release(p.heap)
    p.code = prog
    p.pc = 0
    p.vars = {}
    p.args = args
    p.cmd = prog.name
    p.handlers = {s: h for s, h in p.handlers.items() if h == IGN}
    p.frames = []
    p.linebuf = {}
    p.pending_store = None
    if prog.burst is not None:
        p.burst = prog.burst
    k.emit(k.cpu_of(p), p.pid, "exec", (prog.name,))
    return CONTINUE


def op_exit(k, p, op):
    code = _int(op.expr(p), "exit", op.span) if op.expr is not None else 0
    k.exit_process(p, code)
    return EXITED


def op_wait(k, p, op):
    status = None
    if op.expr is not None:
        target = _int(op.expr(p), "wait", op.span)
        child = p.children.get(target)
        if child is None:
            status = Status(-1)
        elif child.state == ZOMBIE:
            zombie = child
        else:
            zombie = None
    elif not p.children:
        status = Status(-1)
    else:
        zombie = min(p.zombies.values(), key=lambda c: c.seq) if p.zombies else None
    if status is None:
        if zombie is not None:
            status = Status(zombie.pid, zombie.exit_code, zombie.exit_signal)
            k.reap(p, zombie)
        elif op.flag:
            status = Status(0)
        else:
            k.block(p, SLEEPING, "wait", None, "wait for a child")
            return BLOCKED
    if status.pid < 0:
        _fail(k, p, "wait", ECHILD)
    if op.name:
        _set(p, op.name, status)
    p.wait_kind = ""
    p.pc += 1
    return CONTINUE


def op_send(k, p, op):
    sig = _signal(op.expr(p), op.span)
    target = _int(op.expr2(p), "send ... to", op.span)
    if target > 0:
        err = signals.send(k, p, k.procs.get(target), sig)
    elif target == -1:
        err = ESRCH
        for q in sorted(k.procs.values(), key=lambda q: q.pid):
            if q.pid > 1 and q is not p and q.alive and (p.uid == 0 or q.uid == p.uid):
                err = 0
                signals.send(k, p, q, sig)
    else:
        err = EINVAL
    if err:
        p.errno = err
    p.pc += 1
    return CONTINUE


def op_on(k, p, op):
    p.handlers[op.signal] = p.pc + 1
    p.pc = op.jump
    return CONTINUE


def op_sigreturn(k, p, op):
    signals.sigreturn(p)
    return RESUMED


def op_ignore(k, p, op):
    p.handlers[op.signal] = IGN
    p.pending &= ~(1 << op.signal)          # setting SIG_IGN discards a pending instance
    signals.update_pending(p)
    p.pc += 1
    return CONTINUE


def op_default(k, p, op):
    p.handlers.pop(op.signal, None)
    p.pc += 1
    return CONTINUE


def op_block(k, p, op):
    p.mask |= 1 << op.signal
    signals.update_pending(p)
    p.pc += 1
    return CONTINUE


def op_unblock(k, p, op):
    p.mask &= ~(1 << op.signal)
    signals.update_pending(p)
    p.pc += 1
    return CONTINUE


def op_pause(k, p, op):
    k.block(p, SLEEPING, "pause", None, "pause")
    return BLOCKED


def op_nice(k, p, op):
    value = max(-20, min(19, _int(op.expr(p), "nice", op.span)))
    if value < p.nice and p.uid != 0:
        _fail(k, p, "nice", EPERM)
    else:
        p.nice = value
        old = p.weight
        p.weight = weight(value)
        k.sched.reweight(p, old)
        k.emit(k.cpu_of(p), p.pid, "nice", (value,))
    p.pc += 1
    return CONTINUE


def op_close(k, p, op):
    v = op.expr(p)
    if isinstance(v, PipeVal):
        raise ProgramFault("close one end of the pipe: `close p.read` or `close p.write`", op.span)
    fd = _int(v, "close", op.span)
    entry = p.fds[fd] if 0 <= fd < len(p.fds) else None
    if entry is None:
        _fail(k, p, "close", EBADF)
    else:
        p.fds[fd] = None
        p.linebuf.pop(fd, None)
        k.fd_closed(entry)
    p.pc += 1
    return CONTINUE


def op_dup2(k, p, op):
    src = _fd(op.expr(p), op.span, True)
    dst = _int(op.expr2(p), "dup2", op.span)
    entry = p.fds[src] if 0 <= src < len(p.fds) else None
    if entry is None or not 0 <= dst < FD_LIMIT:
        _fail(k, p, "dup2", EBADF)
    elif src != dst:
        while len(p.fds) <= dst:
            p.fds.append(None)
        old = p.fds[dst]
        k.fd_opened(entry)
        p.fds[dst] = entry
        if old is not None:
            k.fd_closed(old)
    p.pc += 1
    return CONTINUE


def _mutex(v: Any, span: Any) -> Mutex:
    if isinstance(v, SharedCell):
        v = v.value
    if not isinstance(v, Mutex):
        raise ProgramFault(f"lock and unlock take a mutex (m = mutex), not a {type_name(v)}", span)
    return v


def op_lock(k, p, op):
    m = _mutex(op.expr(p), op.span)
    if m.owner is None:
        m.owner = p
        p.wait_kind = ""
        p.pc += 1
        return CONTINUE
    m.waiters.append(p)
    k.block(p, SLEEPING, "lock", m, f"lock {m} (held by pid {m.owner.pid})")
    return BLOCKED


def op_unlock(k, p, op):
    m = _mutex(op.expr(p), op.span)
    if m.owner is not p:
        _fail(k, p, "unlock", EPERM)
    else:
        m.owner = None
        if m.waiters:
            k.wake(m.waiters.popleft(), f"{m} unlocked")
    p.pc += 1
    return CONTINUE


def op_alloc(k, p, op):
    pages = _int(op.expr(p), "alloc", op.span)
    if pages < 0 or len(p.heap) + pages > HEAP_LIMIT:
        _fail(k, p, "alloc", ENOMEM)
    else:
        memory.alloc(p.heap, pages)
    p.pc += 1
    return CONTINUE


def op_touch(k, p, op):
    n = _int(op.expr(p), "touch", op.span)
    if n > len(p.heap):
        signals.force(k, p, SIGSEGV)        # a write past the end of the heap
        p.pc += 1
        return CONTINUE
    copies = memory.touch(p.heap, n)
    if copies:
        p.cow += copies
        k.emit(k.cpu_of(p), p.pid, "cow", (copies,))
    p.pc += 1
    return CONTINUE


def op_subreaper(k, p, op):
    p.subreaper = True
    k.emit(k.cpu_of(p), p.pid, "subreaper", ())
    p.pc += 1
    return CONTINUE


OPS = {
    "compute": op_compute, "sleep": op_sleep, "io": op_sleep, "print": op_print, "write": op_write,
    "assign": op_assign, "pipe": op_pipe, "mutex": op_mutex, "jump": op_jump, "jump_if_false": op_jump_if_false,
    "repeat_init": op_repeat_init, "repeat_next": op_repeat_next, "for_init": op_for_init,
    "for_next": op_for_next, "fork": op_fork, "fork_block": op_fork, "exec": op_exec, "exit": op_exit,
    "wait": op_wait, "send": op_send, "on": op_on, "sigreturn": op_sigreturn, "ignore": op_ignore,
    "default": op_default, "block": op_block, "unblock": op_unblock, "pause": op_pause, "nice": op_nice,
    "close": op_close, "dup2": op_dup2, "lock": op_lock, "unlock": op_unlock, "alloc": op_alloc,
    "touch": op_touch, "subreaper": op_subreaper,
}
SYSCALLS = frozenset(("fork", "fork_block", "exec", "wait", "send", "on", "ignore", "default", "block",
                      "unblock", "pause", "nice", "pipe", "close", "dup2", "print", "write", "sleep", "io",
                      "alloc", "subreaper", "lock", "unlock"))
FREE = frozenset(("compute", "sleep", "io", "exit"))    # cost no `step` of their own


def load_op(op: Op, pc: int, m: MachineConfig, rng: Any = None) -> RuntimeOp:
    r = RuntimeOp()
    r.fn = OPS[op.op]
    r.pc = pc
    r.span = op.span
    r.cost = 0 if op.op in FREE else m.step
    r.precost = 0
    if op.op in ("fork", "fork_block"):
        r.precost = m.fork if m.fork is not None else m.syscall
    elif op.op == "exec":
        r.precost = m.exec if m.exec is not None else m.syscall
    elif op.op in SYSCALLS:
        r.precost = m.syscall
    r.expr = compile_program_expr(op.expr, rng) if op.expr is not None else None
    r.expr2 = compile_program_expr(op.expr2, rng) if op.expr2 is not None else None
    r.name = op.name
    r.jump = op.jump
    r.signal = op.signal
    r.flag = op.flag or op.op == "fork_block" or op.op == "io"
    r.args = tuple(compile_program_expr(a, rng) for a in op.args) if op.op == "exec" else ()
    r.aux = None
    if op.op == "assign" and op.args:
        r.aux = op.args[0].value[0]          # "+" or "-"
    elif op.op == "for_next":
        r.aux = op.args[0].value             # the hidden cursor variable
    return r


def load_program(code: ProgramCode, m: MachineConfig, rng: Any = None) -> RuntimeProgram:
    return RuntimeProgram(code.name, tuple(load_op(op, i, m, rng) for i, op in enumerate(code.ops)), code.burst)


__all__ = ["CONTINUE", "BLOCKED", "EXITED", "load_program", "compile_program_expr", "Sig"]
