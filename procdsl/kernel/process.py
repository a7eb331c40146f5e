"""A process is data: its program and program counter, variables, signal state, files and memory."""

from __future__ import annotations

from typing import Any, Final

# ps STAT letters; RUNNING and READY both show as R.
RUNNING: Final = "running"
READY: Final = "ready"
SLEEPING: Final = "S"
DISK: Final = "D"
STOPPED: Final = "T"
ZOMBIE: Final = "Z"
REAPED: Final = "X"

EMPTY_ENV: dict[str, str] = {}

IGN: Final = -1          # handler value for an ignored signal; a handler is its entry pc (>= 0)


class LimitReached(Exception):
    """A run went past one of the machine's limits (max_processes, max_events, max_output)."""

    def __init__(self, limit: str, value: int) -> None:
        super().__init__(limit)
        self.limit = limit
        self.value = value


# every field of a Proc (statehash.py digests them by name)
PROC_FIELDS = (
    "pid", "parent", "label", "index", "cmd", "code", "pc", "vars", "args", "state", "cpu", "last_cpu", "forced",
    "children", "zombies", "nice", "weight", "uid", "handlers", "mask", "pending", "sigpending", "frames",
    "remaining", "paid", "exit_code", "exit_signal", "fds", "cloexec", "linebuf", "heap", "cow", "subreaper", "errno", "fatal",
    "wait_kind", "wait_on", "sleep_until", "timer_token", "pending_store", "write_rest", "eintr", "stdio", "seq",
    "builtin", "affinity", "vruntime", "deadline", "vlag", "rq_key", "qleft", "level", "allot", "joined", "tickets", "pass_",
    "burst", "cputime", "rt", "created", "pgid", "sid", "ctty", "execd", "login",
    "sa", "saved_mask", "report", "changed", "itimers", "core", "zombie_order", "wset", "born",
    "euid", "suid", "gid", "egid", "sgid", "groups", "env", "mm",
)


class Proc:
    # Fields that may be None are typed Any, not `X | None`. A compiled build (mypyc, docs/
    # performance.md) trusts mypy's narrowing of a field, and mypy keeps it across calls that
    # change the field: after `cpu.curr is not p`, an `X | None` field would be checked as an X.
    # Any is still narrowed by `is None`, and by `is p` when p is typed, so a field tested so and
    # read again after a call is read through a method (Cpu.running, Cpu.holds).
    __slots__ = PROC_FIELDS

    def __init__(self, pid: int, seq: int) -> None:
        self.pid = pid
        # the order of creation, then its place in its parent's list of children (wait scans
        # that list in order; an adopted child joins its end)
        self.seq = seq
        self.born = seq          # the order of creation, for good (process-run's turns)
        self.parent: Any = None          # a Proc; None for PID 1 and once reaped
        self.label = ""
        self.index = 0
        self.cmd = ""
        self.code: Any = ()             # kernel/code.RuntimeProgram once it runs
        self.pc = 0
        self.vars: dict[str, Any] = {}
        self.args: tuple = ()
        self.state = READY
        self.cpu: Any = None
        self.last_cpu = -1
        self.children: dict[int, Proc] = {}
        self.zombies: dict[int, Proc] = {}
        self.zombie_order: list[tuple[int, int]] = []   # a heap of (seq, pid) over zombies: wait's oldest first
        self.nice = 0
        self.weight = 1024
        self.uid = 0                     # real uid; the other ids and their rules: kernel/creds.py
        self.euid = 0
        self.suid = 0
        self.gid = 0
        self.egid = 0
        self.sgid = 0
        self.groups: tuple = ()
        self.env: dict[str, str] = EMPTY_ENV    # shared with the parent after fork: never changed in place
        self.handlers: dict[int, int] = {}
        self.mask = 0
        self.pending = 0
        self.forced = 0          # pending signals that must act even on PID 1 (faults, SIGKILL from outside)
        self.sigpending = False
        self.frames: list = []
        self.remaining = 0
        self.paid = -1
        self.exit_code = 0
        self.exit_signal = 0
        self.fds: list = []          # fd -> open file description or None (kernel/files/fdtable.py)
        self.cloexec = 0             # a bit per fd: closed by exec
        self.linebuf: dict = {}          # fd -> stdio.LineBuffer of `for line in`
        self.heap: list = []
        self.cow = 0
        self.subreaper = False
        self.errno = 0
        self.fatal = 0          # the signal a group exit was started with (complete_signal), or 0
        self.wait_kind = ""
        self.wait_on: Any = None
        self.sleep_until = -1
        self.timer_token = 0
        self.pending_store: Any = None
        self.write_rest: Any = None      # the write(2) calls a statement has still to make (ops_io.Writes)
        self.eintr = False               # a handler without SA_RESTART interrupted the blocking call
        self.stdio: Any = None           # stdio streams with buffers (kernel/stdio.py), made at first use
        self.builtin = False
        self.affinity: Any = None        # tuple of CPU ids, or None: any CPU
        self.vruntime = 0
        self.deadline = 0
        self.vlag = 0
        self.rq_key: Any = None
        self.qleft = 0
        self.level = 0
        self.allot = 0
        self.joined = -1         # mlfq: 4 x the instant it last joined a queue, + how (mlfq.ARRIVED...)
        self.tickets = 100
        self.pass_ = 0
        self.burst = 0
        self.cputime = 0
        self.rt: Any = None              # (policy, priority) of SCHED_FIFO/RR, or None
        self.created = 0
        self.pgid = 0                # process group and session (kernel/jobctl.py)
        self.sid = 0
        self.ctty: Any = None        # the controlling terminal, or None
        self.execd = False           # has called exec since fork (setpgid on it: EACCES)
        self.login = 0               # the `run` job it was started as (1, 2, ...), or 0
        # signal -> (sa_flags, sa_mask) where they are not the default (SA_RESTART, empty); None: none
        self.sa: Any = None
        self.saved_mask = -1     # sigsuspend: the mask to restore once a handler has run
        self.report = 0          # for the parent's wait: stopped by this signal (> 0), continued (-1)
        self.changed: Any = None         # dict[int, Proc]: children with a stop or continue not yet waited for
        self.itimers: Any = None         # ITIMER_REAL, _VIRTUAL, _PROF (timers.Itimer or None)
        self.core = False        # it was killed and dumped core
        self.wset = 0            # working set, in the machine's cache units (`run ... working_set N`)
        self.mm: Any = None              # kernel/mmap.Space once the process maps a region; None: the image alone

    @property
    def alive(self) -> bool:
        return self.state not in (ZOMBIE, REAPED)

    def __repr__(self) -> str:
        return f"<{self.label}[{self.index}] pid {self.pid} {self.state}>"


class Cpu:
    """One CPU: what it runs now, what ran last, and the event that will next wake it."""

    __slots__ = ("id", "curr", "last", "rq", "gen", "run_start", "seg_start", "slice_end", "resched",
                 "switches", "busy", "rate", "idle_since")

    def __init__(self, cpu_id: int) -> None:
        self.id = cpu_id
        self.curr: Any = None            # the Proc it runs, or None
        self.last: Any = None            # the Proc that ran last, or None
        self.rq: Any = None              # the policy's own queue: each policy reads it into a typed local
        self.gen = 0
        self.run_start = 0
        self.seg_start = 0
        self.slice_end = 0
        self.resched = False
        self.switches = 0
        self.busy = 0
        self.rate = 1            # work done per ns by the running task: the cache model's warm/cold rate
        self.idle_since = 0          # when it last went idle (a power model's sleep states start then)

    def running(self) -> bool:
        """Is a task on this CPU now?"""
        return self.curr is not None

    def holds(self, p: Proc) -> bool:
        """Is `p` the task on this CPU now? (`cpu.curr is p`, through a method: mypy narrows the
        field after an `is`, and would let a compiled kernel trust it after a call that changes it)."""
        return self.curr is p
