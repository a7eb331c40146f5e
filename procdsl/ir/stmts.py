"""The IR's statements, the union of them a body holds, and a program."""

from typing import Annotated, Literal, Optional, Union

from pydantic import Field

from procdsl.ir.exprs import Expr, FdRef, SigRef
from procdsl.ir.node import Node
from procdsl.ir.span import Span


class TimedStmt(Node):
    kind: Literal["compute", "sleep", "io"]
    duration: Expr
    into: Optional[str] = None          # `left = sleep 5s`: the time left when a handler ends it


class Print(Node):
    kind: Literal["print"] = "print"
    value: Expr


class Write(Node):
    kind: Literal["write"] = "write"
    fd: FdRef
    value: Expr
    into: Optional[str] = None           # `n = write fd TEXT`: the byte count


class Open(Node):
    """`fd = open PATH FLAGS... [mode OCTAL]`: flags by their C names."""

    kind: Literal["open"] = "open"
    path: Expr
    flags: tuple[str, ...] = ()
    flag_spans: tuple[Span, ...] = ()
    mode: Optional[str] = None           # as written: octal digits
    mode_span: Optional[Span] = None
    into: Optional[str] = None


class Read(Node):
    """`n = read FD COUNT [into VAR]`."""

    kind: Literal["read"] = "read"
    fd: FdRef
    count: Expr
    buffer: Optional[str] = None
    into: Optional[str] = None


class Lseek(Node):
    kind: Literal["lseek"] = "lseek"
    fd: FdRef
    offset: Expr
    whence: str
    whence_span: Span
    into: Optional[str] = None


class Dup(Node):
    kind: Literal["dup"] = "dup"
    fd: FdRef
    into: Optional[str] = None


class Fcntl(Node):
    """`fcntl FD F_GETFD`, `fcntl FD F_SETFD FD_CLOEXEC` (or 0)."""

    kind: Literal["fcntl"] = "fcntl"
    fd: FdRef
    command: str
    command_span: Span
    arg: Optional[str] = None
    arg_span: Optional[Span] = None
    into: Optional[str] = None


class Printf(Node):
    """`printf TEXT` (stdout) and `fprintf FD TEXT`: stdio's buffered output."""

    kind: Literal["printf"] = "printf"
    fd: Optional[FdRef] = None
    value: Expr


class Fflush(Node):
    kind: Literal["fflush"] = "fflush"
    fd: Optional[FdRef] = None


class SockCall(Node):
    """The socket statements: `fd = socket stream`, `sv = socketpair dgram`, `bind FD ADDR`,
    `listen FD N`, `c = accept FD`, `connect FD ADDR`, `n = sendto FD DATA [to ADDR] [MSG_NOSIGNAL]`,
    `n = recv FD COUNT [into VAR]`, `shutdown FD HOW`."""

    kind: Literal["socket", "socketpair", "bind", "listen", "accept", "connect", "sendto", "recv", "shutdown"]
    fd: Optional[FdRef] = None
    value: Optional[Expr] = None         # the address, backlog, data or count
    to: Optional[Expr] = None            # sendto's address
    word: Optional[str] = None           # the socket type, SHUT_*, MSG_NOSIGNAL
    word_span: Optional[Span] = None
    buffer: Optional[str] = None
    into: Optional[str] = None


class Poll(Node):
    """`n = poll FDS [POLLIN] [POLLOUT] [timeout T] [into READY]`."""

    kind: Literal["poll"] = "poll"
    fds: Expr
    events: tuple[str, ...] = ()
    event_spans: tuple[Span, ...] = ()
    timeout: Optional[Expr] = None
    buffer: Optional[str] = None
    into: Optional[str] = None


class Assign(Node):
    kind: Literal["assign"] = "assign"
    name: str
    value: Expr
    op: Literal["=", "+=", "-="] = "="
    shared: bool = False


class SpecialAssign(Node):
    """`x = fork`, `p = pipe`, `m = mutex` (and `shared m = mutex`)."""

    kind: Literal["special_assign"] = "special_assign"
    name: str
    what: Literal["fork", "pipe", "mutex"]
    shared: bool = False
    variant: Optional[str] = None       # a mutex's type: normal (None), errorcheck, recursive


class Branch(Node):
    kind: Literal["branch"] = "branch"
    cond: Expr
    body: "tuple[Stmt, ...]"


class If(Node):
    kind: Literal["if"] = "if"
    branches: tuple[Branch, ...]
    orelse: "Optional[tuple[Stmt, ...]]" = None


class While(Node):
    kind: Literal["while"] = "while"
    cond: Expr
    body: "tuple[Stmt, ...]"


class Repeat(Node):
    kind: Literal["repeat"] = "repeat"
    count: Expr
    body: "tuple[Stmt, ...]"


class Loop(Node):
    kind: Literal["loop"] = "loop"
    body: "tuple[Stmt, ...]"


class For(Node):
    kind: Literal["for"] = "for"
    var: str
    iterable: Expr
    body: "tuple[Stmt, ...]"


class Simple(Node):
    """Statements with no operands: break, continue, fork, pause, subreaper."""

    kind: Literal["break", "continue", "fork", "pause", "subreaper"]


class ForkBlock(Node):
    kind: Literal["fork_block"] = "fork_block"
    label: str
    label_span: Span
    body: "tuple[Stmt, ...]"


class EnvVar(Node):
    """`NAME = value` in an `env { ... }` block of `exec` or `run`."""

    kind: Literal["envvar"] = "envvar"
    name: str
    value: Expr


class Exec(Node):
    """`exec PROGRAM`, `exec "PATH"` (path) or `execvp "FILE"` (search: along PATH)."""

    kind: Literal["exec"] = "exec"
    program: str
    program_span: Span
    args: tuple[Expr, ...]
    path: bool = False
    search: bool = False
    target: Optional[Expr] = None                    # the path or file name, when `path`
    env: Optional[tuple[EnvVar, ...]] = None         # None: the environment is kept


class SetId(Node):
    """setuid, seteuid, setreuid, setresuid, the gid twins, setgroups (one list)."""

    kind: Literal["setid"] = "setid"
    call: str
    values: tuple[Expr, ...]
    into: Optional[str] = None


class SetEnv(Node):
    """`setenv NAME value`, or `unsetenv NAME` (no value)."""

    kind: Literal["setenv"] = "setenv"
    name: str
    name_span: Span
    value: Optional[Expr] = None
    into: Optional[str] = None


class Exit(Node):
    kind: Literal["exit"] = "exit"
    code: Optional[Expr] = None
    now: bool = False                    # `_exit`: no stdio flush


class Wait(Node):
    kind: Literal["wait"] = "wait"
    target: Optional[Expr] = None
    nohang: bool = False
    into: Optional[str] = None
    untraced: bool = False              # WUNTRACED: also report a child that stopped
    continued: bool = False             # WCONTINUED: also report a child continued by SIGCONT


class Send(Node):
    kind: Literal["send"] = "send"
    signal: Expr
    target: Expr


class On(Node):
    kind: Literal["on"] = "on"
    signal: SigRef
    body: "tuple[Stmt, ...]"
    flags: Optional[tuple[str, ...]] = None     # sigaction's sa_flags; None: not written (SA_RESTART)
    mask: tuple[SigRef, ...] = ()               # sa_mask: blocked while the handler runs


class SigStmt(Node):
    """`ignore`, `default`, `block`, `unblock` with one signal."""

    kind: Literal["ignore", "default", "block", "unblock"]
    signal: SigRef
    more: tuple[SigRef, ...] = ()               # `block SIGINT, SIGTERM`: the signals after the first
    flags: Optional[tuple[str, ...]] = None     # `ignore SIGCHLD flags SA_NOCLDWAIT`


class SigSet(Node):
    """`setmask SIGS` and `sigsuspend SIGS`: a whole signal set (empty for `none`)."""

    kind: Literal["setmask", "sigsuspend"]
    signals: tuple[SigRef, ...]


class Timer(Node):
    """`alarm D` and `setitimer WHICH D [interval D]`, optionally `left = ...`."""

    kind: Literal["alarm", "setitimer"]
    which: str
    value: Expr
    interval: Optional[Expr] = None
    into: Optional[str] = None


class ExprStmt(Node):
    """Statements with one operand: nice, close, lock, unlock, alloc, touch, unlink."""

    kind: Literal["nice", "close", "lock", "unlock", "alloc", "touch", "unlink"]
    value: Expr


class Mem(Node):
    """The memory map's statements: `x = mmap N pages FLAGS [from FD]`, munmap, sbrk, stack, poke, touch … at."""

    kind: Literal["mem"] = "mem"
    op: Literal["mmap", "munmap", "sbrk", "stack", "poke", "touch_at"]
    value: Expr
    value2: Optional[Expr] = None
    flags: tuple[str, ...] = ()
    flag_spans: tuple[Span, ...] = ()
    fd: Optional[FdRef] = None
    into: Optional[str] = None


class Dup2(Node):
    kind: Literal["dup2"] = "dup2"
    src: FdRef
    dst: Expr


class JobCall(Node):
    """`setsid`, `setpgid PID PGID`, `getpgid [PID]`, `getsid [PID]`, `getpgrp`, `tcsetpgrp FD PGID`,
    `tcgetpgrp FD`, each with an optional `x = ` for its result."""

    kind: Literal["setsid", "setpgid", "getpgid", "getsid", "getpgrp", "tcsetpgrp", "tcgetpgrp"]
    args: tuple[Expr, ...] = ()
    into: Optional[str] = None


class Unknown(Node):
    kind: Literal["unknown"] = "unknown"
    name: str


Stmt = Annotated[Union[TimedStmt, Print, Write, Assign, SpecialAssign, If, While, Repeat, Loop, For,
                       Simple, ForkBlock, Exec, Exit, Wait, Send, On, SigStmt, SigSet, Timer, ExprStmt, Dup2,
                       Unknown, Open, Read, Lseek, Dup, Fcntl, Printf, Fflush, SockCall, Poll, JobCall, SetId, SetEnv,
                       Mem],
                 Field(discriminator="kind")]


class Program(Node):
    kind: Literal["program"] = "program"
    name: str
    name_span: Span
    body: tuple[Stmt, ...]
