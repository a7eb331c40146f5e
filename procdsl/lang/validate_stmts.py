"""Static checks of a program's statements: names, units, signals, loops, and the expressions each holds."""

from __future__ import annotations

from typing import Callable, Iterable, Iterator, Optional

from procdsl import ir
from procdsl.ir.walk import bodies
from procdsl.lang.validate_files import FILE_STATEMENTS, file_statement
from procdsl.lang.validate_jobs import JOB_STATEMENTS
from procdsl.lang.validate_mem import MEM_STATEMENTS, mem_statement
from procdsl.lang.validate_sockets import SOCKET_STATEMENTS, socket_exprs, socket_statement

STATEMENTS = ("compute", "sleep", "io", "print", "write", "shared", "if", "else", "while", "repeat", "loop",
              "break", "continue", "fork", "exec", "exit", "wait", "send", "on", "ignore", "default",
              "block", "unblock", "pause", "nice", "pipe", "close", "dup2", "for", "mutex", "lock", "unlock",
              "alloc", "touch", "subreaper", "setmask", "sigsuspend", "alarm", "setitimer", "open", "read",
              "lseek", "dup", "fcntl", "unlink", "printf", "fprintf", "fflush", "_exit", "setsid", "setpgid",
              "getpgid", "getsid", "getpgrp", "tcsetpgrp", "tcgetpgrp", "execvp", "setuid",
              "seteuid", "setgid", "setegid", "setreuid", "setregid", "setresuid", "setresgid", "setgroups",
              "setenv", "unsetenv") + tuple(sorted(SOCKET_STATEMENTS)) \
             + MEM_STATEMENTS
BUILTINS = frozenset(("pid", "ppid", "errno", "args", "stdin", "stdout", "stderr", "true", "false", "pgid", "sid",
                      "uid", "euid", "gid", "egid", "groups", "environ"))


class StmtChecks:
    """Mixed into validate.Validator; they use its error, unknown, duration, signal and expression checks."""

    def program(self, prog: ir.Program) -> None:
        assigned = set(BUILTINS) | set(_assigned_names(prog.body))
        self._stmts(prog.body, assigned, loop_depth=0)

    def _stmts(self, stmts: Iterable[ir.Stmt], names: set[str], loop_depth: int) -> None:
        for s in stmts:
            self._stmt(s, names, loop_depth)

    def _stmt(self, s: ir.Stmt, names: set[str], depth: int) -> None:
        k = s.kind
        if k == "unknown":
            self.unknown(s.name, "statement", s.span, STATEMENTS, "statements are listed in docs/language.md")
        elif k in ("compute", "sleep", "io"):
            self.duration(s.duration, k)
            self.expr(s.duration, names)
        elif k == "exec":
            if not s.path:
                self.program_ref(s.program, s.program_span)
            else:
                self.expr(s.target, names)
            for a in s.args:
                self.expr(a, names)
            for var in s.env or ():
                self.expr(var.value, names)
        elif k in ("on", "ignore"):
            self.signal(s.signal, catch=True)
            for ref in s.mask if k == "on" else ():
                self.signal(ref, catch=True, verb="blocked")
        elif k in ("default", "block", "unblock"):
            for ref in (s.signal, *s.more):
                self.signal(ref, catch=k == "block", verb="blocked")
        elif k in ("setmask", "sigsuspend"):
            for ref in s.signals:
                self.signal(ref, catch=True, verb="blocked")
        elif k in ("alarm", "setitimer"):
            self.duration(s.value, k)
            if s.interval is not None:
                self.duration(s.interval, "interval")
        elif k in FILE_STATEMENTS:
            file_statement(self, s)
        elif k == "mem":
            mem_statement(self, s)
        elif k in SOCKET_STATEMENTS:
            socket_statement(self, s)
        elif k in ("break", "continue") and depth == 0:
            self.error(f"'{k}' outside a loop", s.span, "break and continue belong inside while, repeat, loop or for")
        for child in _sub_exprs(s):
            self.expr(child, names)
        if k == "on":
            self._stmts(s.body, names, 0)
        elif k == "fork_block":
            self._stmts(s.body, names, 0)
        elif k in ("while", "repeat", "loop", "for"):
            self._stmts(s.body, names, depth + 1)
        elif k == "if":
            for b in s.branches:
                self._stmts(b.body, names, depth)
            if s.orelse:
                self._stmts(s.orelse, names, depth)


def _sub_exprs(s: ir.Stmt) -> list[ir.Expr]:
    get = _SUB_EXPRS.get(s.kind)
    return get(s) if get is not None else []


def _value(s: ir.Stmt) -> list[ir.Expr]:
    return [s.value]


def _fd_and(field: str) -> Callable[[ir.Stmt], list[ir.Expr]]:
    return lambda s: [s.fd.expr, getattr(s, field)]


def _present(*exprs: Optional[ir.Expr]) -> list[ir.Expr]:
    return [e for e in exprs if e is not None]


# A statement kind's expressions, looked up once per statement rather than tested against every kind in turn.
_SUB_EXPRS: dict[str, Callable[[ir.Stmt], list[ir.Expr]]] = {
    "print": _value, "assign": _value,
    "write": _fd_and("value"), "read": _fd_and("count"), "lseek": _fd_and("offset"),
    "if": lambda s: [b.cond for b in s.branches],
    "while": lambda s: [s.cond],
    "repeat": lambda s: [s.count],
    "for": lambda s: [s.iterable],
    "exit": lambda s: _present(s.code),
    "wait": lambda s: _present(s.target),
    "send": lambda s: [s.signal, s.target],
    **dict.fromkeys(("nice", "close", "lock", "unlock", "alloc", "touch", "unlink"), _value),
    **dict.fromkeys(("alarm", "setitimer"), lambda s: _present(s.value, s.interval)),
    "dup2": lambda s: [s.src.expr, s.dst],
    "setid": lambda s: list(s.values),
    "setenv": lambda s: _present(s.value),
    "open": lambda s: [s.path],
    **dict.fromkeys(("dup", "fcntl"), lambda s: [s.fd.expr]),
    "mem": lambda s: _present(s.value, s.value2, s.fd.expr if s.fd is not None else None),
    **dict.fromkeys(SOCKET_STATEMENTS, socket_exprs),
    **dict.fromkeys(JOB_STATEMENTS, lambda s: list(s.args)),
    **dict.fromkeys(("printf", "fflush"),
                    lambda s: _present(s.fd.expr if s.fd is not None else None, s.__dict__.get("value"))),
}


def _assigned_names(stmts: Iterable[ir.Stmt]) -> Iterator[str]:
    for s in stmts:
        k = s.kind
        if k in ("assign", "special_assign"):
            yield s.name
        elif s.__dict__.get("into"):            # x = wait / write / open / read / lseek / dup / fcntl
            yield s.into
            if k in ("read", "recv", "poll") and s.buffer:
                yield s.buffer
        elif k in ("read", "recv", "poll") and s.buffer:
            yield s.buffer
        elif k == "fork_block":
            yield s.label
        elif k == "for":
            yield s.var
        for body in bodies(s):
            yield from _assigned_names(body)
