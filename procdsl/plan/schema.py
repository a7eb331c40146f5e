"""The event plan: a compiled scenario, as typed frozen data the kernel runs and `compile` prints."""

from typing import Optional

from pydantic import BaseModel, ConfigDict, Field

from procdsl import ir
from procdsl.ir import Expect, Expr
from procdsl.ir.span import Span


class PlanModel(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


_FIELDS: dict[type, tuple] = {}


def make(cls, **fields):
    """`cls(**fields)` for values the front end has already validated, without pydantic checking them again.

    The plan is made of what the validator passed, each already of its field's type, so validation would
    only cost its schema's build (and, the first time, pydantic's plugin scan) at every start-up. As a
    validated construction does, this sets every field, in the model's order (the JSON lists them so), a
    default factory's value made afresh, and the fields given as the fields set."""
    order = _FIELDS.get(cls)
    if order is None:
        order = _FIELDS[cls] = tuple((name, f.default_factory, f.default) for name, f in cls.model_fields.items())
    values = {name: fields[name] if name in fields else factory() if factory is not None else default
              for name, factory, default in order}
    return ir.construct(cls, values, set(fields))


class SchedulerConfig(PlanModel):
    name: str = "cfs"
    settings: dict[str, int] = Field(default_factory=dict)


class Limits(PlanModel):
    """Where a runaway scenario stops; each is a `machine` setting of the same name."""

    max_processes: int = 10_000
    max_events: int = 500_000
    max_time: int = 60_000_000_000
    max_output: int = 4 << 20            # bytes of terminal output (UTF-8) a run may write


class PowerConfig(PlanModel):
    """`machine { power PRESET { ... } }`: active power and the idle states, shallowest first (core/power.py)."""

    model: str
    active: int                                      # mW while running (and while waking)
    states: tuple[tuple[str, int, int, int], ...]    # (name, mW, exit latency ns, target residency ns)


class MachineConfig(PlanModel):
    cpus: int = 1
    scheduler: SchedulerConfig = make(SchedulerConfig)
    context_switch: int = 2_000
    cache_refill: int = 0
    step: int = 1
    syscall: int = 0
    fork: Optional[int] = None           # None: the syscall cost
    exec: Optional[int] = None
    copy_kib: int = 0                    # CPU time per KiB a read or write moves (pipes, sockets, files)
    pid_max: int = 32768
    seed: int = 1
    tick: int = 0                        # 0: slices end exactly; otherwise the tick period
    balance_interval: int = 4_000_000
    tostop: int = 0                      # the terminal's TOSTOP flag (`stty tostop`)
    run_queue: str = "per_cpu"           # or "shared": one queue for every CPU
    balance: str = "linux"               # "steal": multi.py's stealing every peek_interval; "none"
    peek_interval: int = 30_000_000
    cache_size: int = 0                  # 0: no cache model; else each CPU's cache, in working-set units
    cache_warmup: int = 10_000_000
    warm_rate: int = 2
    cold_rate: int = 1
    core_limit: int = 0                  # RLIMIT_CORE in bytes, -1 unlimited; 0 (no core files) as here
    memory_map: bool = False             # the scenario uses the memory map: its changes are events (plan/memory.py)
    stack_limit: int = 2048              # pages (RLIMIT_STACK, 8 MiB)
    fork_page: int = 50                  # ns per private resident page fork copies a page-table entry for
    power: Optional[PowerConfig] = None  # None: no power model, idle CPUs wake at once
    limits: Limits = make(Limits)


class Op(PlanModel):
    """One instruction of a program; `jump` is an index into the same op list."""

    op: str
    span: Span
    expr: Optional[Expr] = None
    expr2: Optional[Expr] = None
    name: Optional[str] = None
    jump: Optional[int] = None
    signal: Optional[int] = None
    flag: bool = False
    args: tuple[Expr, ...] = ()


class ProgramCode(PlanModel):
    name: str
    ops: tuple[Op, ...]
    burst: Optional[int] = None          # total `compute` when it is known statically


class Start(PlanModel):
    """A `run`: one process, or a pipeline of processes wired stdout to stdin."""

    span: Span
    time: int = 0
    programs: tuple[str, ...]
    labels: tuple[str, ...]
    args: tuple[tuple[Expr, ...], ...] = ()
    nice: int = 0
    uid: int = 0
    gid: Optional[int] = None            # None: the gid numbered like the uid
    groups: tuple[int, ...] = ()
    env: tuple[tuple[Expr, ...], ...] = ()   # per stage: name, value, name, value ...
    burst: Optional[int] = None
    tickets: Optional[int] = None
    rt: Optional[tuple[str, int]] = None
    cpus: Optional[tuple[int, ...]] = None
    login: bool = False                  # `login`: a session leader with the terminal, as login(1) starts a shell
    working_set: int = 0


class ExternalSignal(PlanModel):
    span: Span
    time: int
    signal: int
    label: str
    index: Optional[int] = None


class TtyInput(PlanModel):
    """`at T type TEXT`, `at T press KEY` or `at T hangup`: the world outside at the terminal."""

    span: Span
    time: int
    action: str                          # "type", "press" or "hangup"
    text: str = ""                       # what is typed, or the key


class FileSpec(PlanModel):
    """One entry of the scenario's `files` block: a file with its contents, or a directory."""

    path: str
    kind: str = "file"                   # "file" or "dir"
    text: str = ""
    owner: int = 0
    group: int = 0
    mode: int = 0o644
    program: Optional[str] = None        # `program PATH NAME`: the file holds that program


class EventPlan(PlanModel):
    file: str
    title: str
    span: Span
    machine: MachineConfig
    programs: dict[str, ProgramCode]
    init: Optional[str] = None
    starts: tuple[Start, ...] = ()
    signals: tuple[ExternalSignal, ...] = ()
    until: Optional[int] = None
    files: tuple[FileSpec, ...] = ()
    tty_inputs: tuple[TtyInput, ...] = ()
    labels: tuple[str, ...] = ()
    expectations: tuple[Expect, ...] = ()
