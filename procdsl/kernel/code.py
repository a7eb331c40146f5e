"""Programs as the kernel runs them: the plan's ops loaded into slotted runtime ops, one function each.

The functions live by statement family in ops_flow, ops_io, ops_proc and ops_mem; what
they share (statuses, names, argument checks) is in opsupport.
"""

from __future__ import annotations

from typing import Any

from procdsl.core.values import Sig
from procdsl.kernel import (
    ops_cred,
    ops_exec,
    ops_flow,
    ops_fs,
    ops_io,
    ops_jobs,
    ops_map,
    ops_mem,
    ops_net,
    ops_poll,
    ops_proc,
    ops_stdio,
    timers,
)
from procdsl.kernel.opsupport import (  # noqa: F401 - the loop's API
    BLOCKED,
    CONTINUE,
    EXITED,
    RESUMED,
    RuntimeOp,
    RuntimeProgram,
    compile_program_expr,
)
from procdsl.plan import MachineConfig, Op, ProgramCode

# ---------------------------------------------------------------------- names


OPS = {
    "compute": ops_flow.op_compute, "sleep": ops_flow.op_sleep, "io": ops_flow.op_sleep, "print": ops_io.op_print, "write": ops_io.op_write,
    "assign": ops_flow.op_assign, "pipe": ops_io.op_pipe, "mutex": ops_mem.op_mutex, "jump": ops_flow.op_jump, "jump_if_false": ops_flow.op_jump_if_false,
    "repeat_init": ops_flow.op_repeat_init, "repeat_next": ops_flow.op_repeat_next, "for_init": ops_flow.op_for_init,
    "for_next": ops_flow.op_for_next, "fork": ops_proc.op_fork, "fork_block": ops_proc.op_fork, "exec": ops_exec.op_exec, "exit": ops_proc.op_exit,
    "wait": ops_proc.op_wait, "send": ops_proc.op_send, "on": ops_proc.op_on, "sigreturn": ops_proc.op_sigreturn, "ignore": ops_proc.op_ignore,
    "default": ops_proc.op_default, "block": ops_proc.op_block, "unblock": ops_proc.op_unblock, "pause": ops_proc.op_pause, "nice": ops_proc.op_nice,
    "close": ops_io.op_close, "dup2": ops_io.op_dup2, "lock": ops_mem.op_lock, "unlock": ops_mem.op_unlock, "alloc": ops_mem.op_alloc,
    "touch": ops_mem.op_touch, "subreaper": ops_proc.op_subreaper, "setmask": ops_proc.op_setmask,
    "sigsuspend": ops_proc.op_sigsuspend, "alarm": timers.op_setitimer, "setitimer": timers.op_setitimer,
    "open": ops_fs.op_open, "unlink": ops_fs.op_unlink, "read": ops_io.op_read, "lseek": ops_io.op_lseek,
    "dup": ops_io.op_dup, "fcntl": ops_io.op_fcntl, "printf": ops_stdio.op_printf, "fflush": ops_stdio.op_fflush,
    "setid": ops_cred.op_setid, "setenv": ops_cred.op_setenv,
    "mmap": ops_map.op_mmap, "munmap": ops_map.op_munmap, "sbrk": ops_mem.op_alloc, "stack": ops_map.op_stack,
    "touch_at": ops_map.op_touch_at, "poke": ops_map.op_poke,
    "socket": ops_net.op_socket, "socketpair": ops_net.op_socketpair, "bind": ops_net.op_bind,
    "listen": ops_net.op_listen, "accept": ops_net.op_accept, "connect": ops_net.op_connect,
    "sendto": ops_net.op_sendto, "recv": ops_net.op_recv, "shutdown": ops_net.op_shutdown, "poll": ops_poll.op_poll,
    "setsid": ops_jobs.op_setsid, "setpgid": ops_jobs.op_setpgid, "getpgid": ops_jobs.op_getid,
    "getsid": ops_jobs.op_getid, "tcsetpgrp": ops_jobs.op_tcsetpgrp, "tcgetpgrp": ops_jobs.op_tcgetpgrp,
}
SOCKET_CALLS = ("socket", "socketpair", "bind", "listen", "accept", "connect", "sendto", "recv", "shutdown", "poll")


SYSCALLS = frozenset(("fork", "fork_block", "exec", "wait", "send", "on", "ignore", "default", "block",
                      "unblock", "pause", "nice", "pipe", "close", "dup2", "print", "write", "sleep", "io",
                      "alloc", "subreaper", "lock", "unlock", "setmask", "sigsuspend", "alarm", "setitimer",
                      "open", "unlink", "read", "lseek", "dup", "fcntl", "setid", "mmap", "munmap", "sbrk",
                      "setsid", "setpgid", "getpgid", "getsid", "tcsetpgrp", "tcgetpgrp")
                     + SOCKET_CALLS)


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
    r.args = tuple(compile_program_expr(a, rng) for a in op.args) if op.op in ("exec", "sendto") else ()
    r.aux = None
    r.visible = r.pure = True                # the explorer's reading: kernel/chooser.mark_visible
    r.dur = _constant_duration(op) if op.op in ("compute", "sleep", "io") else None
    if op.op == "assign" and op.args:
        r.aux = op.args[0].value[0]          # "+" or "-"
    elif op.op == "for_next":
        r.aux = op.args[0].value             # the hidden cursor variable
    elif op.op in ("getpgid", "getsid"):
        r.aux = op.op
    elif op.op in AUX_CONSTANTS:
        r.aux = AUX_CONSTANTS[op.op](op)
    elif op.op == "exec":
        r.aux = ops_exec.BY_NAME if op.name else ops_exec.SEARCH if op.flag else ops_exec.BY_PATH
    elif op.op in ("open", "read", "lseek", "fcntl", "recv", "socket", "socketpair", "shutdown", "poll", "setid", "mmap") and op.args:
        values = tuple(a.value for a in op.args)    # constants the compiler worked out (flags, whence, ...)
        r.aux = values if len(values) > 1 else values[0]
    return r


def _constant_duration(op: Op) -> int | None:
    """The nanoseconds of `compute 10ms` or `sleep 20ms`, known at load; None: worked out as it runs."""
    e = op.expr
    if e is not None and e.kind == "lit" and e.type == "duration" and isinstance(e.value, int) and e.value >= 0:
        return int(e.value)
    return None


def _consts(op: Op) -> tuple:
    return tuple(a.value for a in op.args)


# ops whose plan carries constants in `args`, and what the runtime op keeps of them in `aux`
AUX_CONSTANTS = {
    "on": lambda op: _consts(op) or None,                       # (sa_flags, sa_mask), None: SA_RESTART only
    "ignore": lambda op: op.args[0].value if op.args else 0,    # sa_flags
    "default": lambda op: op.args[0].value if op.args else 0,
    "block": lambda op: op.args[0].value if op.args else 1 << op.signal,       # the signal set
    "unblock": lambda op: op.args[0].value if op.args else 1 << op.signal,
    "setmask": lambda op: op.args[0].value,
    "sigsuspend": lambda op: op.args[0].value,
    "wait": lambda op: (op.args[0].value if op.args else 0) | (1 if op.flag else 0),   # WNOHANG | WUNTRACED ...
    "mutex": lambda op: op.args[0].value if op.args else "normal",
    "alarm": lambda op: op.args[0].value,                       # which timer
    "setitimer": lambda op: op.args[0].value,
}


def load_program(code: ProgramCode, m: MachineConfig, rng: Any = None) -> RuntimeProgram:
    return RuntimeProgram(code.name, tuple(load_op(op, i, m, rng) for i, op in enumerate(code.ops)), code.burst)


__all__ = ["CONTINUE", "BLOCKED", "EXITED", "load_program", "compile_program_expr", "Sig"]
