"""The frozen IR of a .proc file: what the author wrote, free of Lark, with a span on every node."""

from typing import Annotated, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field

from procdsl.ir.span import Span


class Node(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)
    span: Span


_set = object.__setattr__
_DEFAULTS: dict[type, dict] = {}


def build(cls, **fields):
    """Make an IR node from values the front end already typed, skipping re-validation.

    This is what pydantic's model_construct does for a model without extras or private
    attributes, minus its per-call bookkeeping: lowering builds tens of thousands of nodes."""
    defaults = _DEFAULTS.get(cls)
    if defaults is None:
        defaults = _DEFAULTS[cls] = {name: f.default for name, f in cls.model_fields.items()
                                     if not f.is_required()}
    obj = _new(cls)
    _set(obj, "__dict__", {**defaults, **fields})
    _set(obj, "__pydantic_fields_set__", set(fields))
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj


def construct(cls, values: dict, fields_set: Optional[set] = None):
    """build() for a caller that gives every field, in the order the JSON should list them
    (`fields_set`: those the caller names, when not all of them)."""
    obj = _new(cls)
    _set(obj, "__dict__", values)
    _set(obj, "__pydantic_fields_set__", set(values) if fields_set is None else fields_set)
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj


_new = object.__new__
# Every span sets every field; frozen models never add to this set, and pydantic copies it
# before a model_copy(update=...) does, so all spans can share it.
_SPAN_FIELDS = set(Span.model_fields)


def span(file: str, line: int, col: int, end_line: int, end_col: int) -> Span:
    """build(Span, ...) for the front end's most frequent node, without keyword packing."""
    obj = _new(Span)
    _set(obj, "__dict__", {"file": file, "line": line, "col": col, "end_line": end_line, "end_col": end_col})
    _set(obj, "__pydantic_fields_set__", _SPAN_FIELDS)
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj


# ------------------------------------------------------------------ expressions
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


# ------------------------------------------------------------------ statements
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


# ------------------------------------------------------------------ scenarios
class ProcRef(Node):
    """A label, optionally indexed: `worker`, `worker[1]`."""

    kind: Literal["proc"] = "proc"
    label: str
    index: Optional[int] = None


class Setting(Node):
    kind: Literal["setting"] = "setting"
    name: str
    value: Union[bool, int, float, str, tuple[int, ...]]
    value_type: str
    value_span: Span
    settings: "tuple[Setting, ...]" = ()


class Machine(Node):
    kind: Literal["machine"] = "machine"
    settings: tuple[Setting, ...]


class RunStage(Node):
    kind: Literal["stage"] = "stage"
    program: str
    args: tuple[Expr, ...]


class RunOption(Node):
    kind: Literal["option"] = "option"
    name: str
    value: Union[int, str, tuple[Union[int, str], ...], Expr, tuple[EnvVar, ...]]


class Run(Node):
    kind: Literal["run"] = "run"
    stages: tuple[RunStage, ...]
    options: tuple[RunOption, ...]


class SendAt(Node):
    kind: Literal["send_at"] = "send_at"
    time: Expr
    signal: SigRef
    target: ProcRef


class TtyAt(Node):
    """`at T type TEXT`, `at T press KEY`, `at T hangup`."""

    kind: Literal["tty_at"] = "tty_at"
    time: Expr
    action: Literal["type", "press", "hangup"]
    text: str = ""
    text_span: Optional[Span] = None


class InitDecl(Node):
    kind: Literal["init"] = "init"
    program: str


class Until(Node):
    kind: Literal["until"] = "until"
    time: Expr


class FsEntry(Node):
    """`file PATH TEXT [owner N] [group N] [mode OCTAL]`, `dir PATH ...` or `program PATH NAME ...`
    (the file holds that program; `text` is its name) in a `files` block."""

    kind: Literal["file", "dir", "program"]
    path: str
    path_span: Span
    text: str = ""
    owner: Optional[int] = None
    group: Optional[int] = None
    mode: Optional[str] = None           # as written: octal digits
    mode_span: Optional[Span] = None
    program_span: Optional[Span] = None     # `program PATH NAME`: where NAME is written


class Files(Node):
    kind: Literal["files"] = "files"
    entries: tuple[FsEntry, ...] = ()


# ------------------------------------------------------------------ assertions
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


class Scenario(Node):
    kind: Literal["scenario"] = "scenario"
    title: str
    machine: Optional[Machine] = None
    programs: tuple[Program, ...] = ()
    init: Optional[InitDecl] = None
    runs: tuple[Run, ...] = ()
    sends: tuple[SendAt, ...] = ()
    tty: tuple[TtyAt, ...] = ()
    until: Optional[Until] = None
    files: Optional[Files] = None
    expects: tuple[Expect, ...] = ()


class Use(Node):
    kind: Literal["use"] = "use"
    path: Optional[str] = None      # None: `use submission`


class File(Node):
    kind: Literal["file"] = "file"
    path: str
    uses: tuple[Use, ...] = ()
    programs: tuple[Program, ...] = ()
    scenarios: tuple[Scenario, ...] = ()


