"""IR to event plan: machine settings resolved, each program flattened to an op list with jumps."""

from __future__ import annotations

from typing import Optional

from procdsl import ir
from procdsl.core.linux import SA_FLAGS, SA_RESTART, SIGNALS
from procdsl.ir.walk import fork_labels, static_burst
from procdsl.plan import (
    EventPlan,
    ExternalSignal,
    Limits,
    MachineConfig,
    Op,
    ProgramCode,
    SchedulerConfig,
    Start,
    TtyInput,
)
from procdsl.plan.files import FILE_OPS, file_specs
from procdsl.plan.memory import has_memory_ops, mem_fields, uses_memory_map
from procdsl.plan.power import power_config
from procdsl.plan.schema import make
from procdsl.plan.sockets import SOCKET_OPS

# the session, group and terminal statements: each its own op, but getpgrp is getpgid of 0
JOB_OPS = {"setsid": "setsid", "setpgid": "setpgid", "getpgid": "getpgid", "getsid": "getsid", "getpgrp": "getpgid",
           "tcsetpgrp": "tcsetpgrp", "tcgetpgrp": "tcgetpgrp"}

# Statements that are system calls: each pays the machine's `syscall` cost.
SYSCALL_OPS = frozenset(("fork", "fork_block", "exec", "wait", "send", "on", "ignore", "default", "block",
                         "unblock", "pause", "nice", "pipe", "close", "dup2", "print", "write", "sleep", "io",
                         "alloc", "subreaper", "setmask", "sigsuspend", "alarm", "setitimer"))


def _mask(refs) -> int:
    return sum(1 << SIGNALS[r.name][0] for r in refs)


def _flags(names) -> int:
    return sum(SA_FLAGS[n] for n in names)


def _lits(span, *values) -> tuple:
    """Small constants an op carries in `args` (sigaction flags, masks, wait options, a type)."""
    return tuple(ir.Lit(span=span, type="int" if isinstance(v, int) else "str", value=v) for v in values)


class _Emitter:
    """Flattens one program's statements; loops keep a stack of (continue, [break jumps])."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.ops: list[dict] = []
        self.loops: list[tuple[int, list[int]]] = []
        self.hidden = 0

    def emit(self, op: str, span, **fields) -> int:
        self.ops.append({"op": op, "span": span, **fields})
        return len(self.ops) - 1

    def patch(self, index: int, target: int) -> None:
        self.ops[index]["jump"] = target

    def temp(self, what: str) -> str:
        self.hidden += 1
        return f"${what}{self.hidden}"

    def block(self, stmts) -> None:
        for s in stmts:
            self.stmt(s)

    def stmt(self, s) -> None:
        k = s.kind
        if k in ("compute", "sleep", "io"):
            self.emit(k, s.span, expr=s.duration, name=s.into)
        elif k == "print":
            self.emit("print", s.span, expr=s.value)
        elif k == "write":
            self.emit("write", s.span, expr=s.fd.expr, expr2=s.value, name=s.into)
        elif k in FILE_OPS:
            self.emit(k, s.span, **FILE_OPS[k](s))
        elif k in SOCKET_OPS:
            self.emit(k, s.span, **SOCKET_OPS[k](s))
        elif k in JOB_OPS:
            args = s.args + (None, None)
            self.emit(JOB_OPS[k], s.span, expr=args[0], expr2=args[1], name=s.into)
        elif k == "assign":
            self.emit("assign", s.span, name=s.name, expr=s.value, flag=s.shared,
                      args=() if s.op == "=" else (ir.Lit(span=s.span, type="str", value=s.op),))
        elif k == "special_assign":
            self.emit(s.what, s.span, name=s.name, flag=s.shared, args=_lits(s.span, s.variant) if s.variant else ())
        elif k == "if":
            ends = []
            for branch in s.branches:
                test = self.emit("jump_if_false", branch.span, expr=branch.cond)
                self.block(branch.body)
                ends.append(self.emit("jump", branch.span))
                self.patch(test, len(self.ops))
            if s.orelse:
                self.block(s.orelse)
            for e in ends:
                self.patch(e, len(self.ops))
        elif k == "while":
            top = len(self.ops)
            test = self.emit("jump_if_false", s.span, expr=s.cond)
            self.loop_body(s.body, top)
            self.emit("jump", s.span, jump=top)
            self.end_loop(test)
        elif k == "repeat":
            counter = self.temp("repeat")
            self.emit("repeat_init", s.span, name=counter, expr=s.count)
            top = self.emit("repeat_next", s.span, name=counter)
            self.loop_body(s.body, top)
            self.emit("jump", s.span, jump=top)
            self.end_loop(top)
        elif k == "loop":
            top = len(self.ops)
            self.loop_body(s.body, top)
            self.emit("jump", s.span, jump=top)
            self.end_loop(None)
        elif k == "for":
            cursor = self.temp("for")
            self.emit("for_init", s.span, name=cursor, expr=s.iterable)
            top = self.emit("for_next", s.span, name=s.var, args=(ir.Lit(span=s.span, type="str", value=cursor),))
            self.loop_body(s.body, top)
            self.emit("jump", s.span, jump=top)
            self.end_loop(top)
        elif k == "break":
            self.loops[-1][1].append(self.emit("jump", s.span))
        elif k == "continue":
            self.emit("jump", s.span, jump=self.loops[-1][0])
        elif k in ("fork", "pause", "subreaper"):
            self.emit(k, s.span)
        elif k == "fork_block":
            fork = self.emit("fork_block", s.span, name=s.label)
            saved, self.loops = self.loops, []
            self.block(s.body)
            self.loops = saved
            self.emit("exit", s.span)
            self.patch(fork, len(self.ops))
        elif k == "exec":
            target = {"expr": s.target, "flag": s.search} if s.path else {"name": s.program}
            self.emit("exec", s.span, args=s.args, expr2=env_list(s.env, s.span), **target)
        elif k == "setid":
            values = s.values[0] if s.call == "setgroups" else ir.build(ir.ListLit, span=s.span, items=s.values)
            self.emit("setid", s.span, expr=values, name=s.into, args=(ir.build(ir.Lit, span=s.span, type="str", value=s.call),))
        elif k == "setenv":
            self.emit("setenv", s.span, expr=ir.build(ir.Lit, span=s.name_span, type="str", value=s.name),
                      expr2=s.value, name=s.into)
        elif k == "exit":
            self.emit("exit", s.span, expr=s.code, flag=s.now)
        elif k == "wait":
            options = (2 if s.untraced else 0) | (8 if s.continued else 0)       # WUNTRACED, WCONTINUED
            self.emit("wait", s.span, expr=s.target, flag=s.nohang, name=s.into,
                      args=_lits(s.span, options) if options else ())
        elif k == "send":
            self.emit("send", s.span, expr=s.signal, expr2=s.target)
        elif k == "on":
            # sa_flags and sa_mask ride in `args` only when written: a plain `on` keeps SA_RESTART
            sa = () if s.flags is None and not s.mask else _lits(
                s.span, _flags(s.flags) if s.flags is not None else SA_RESTART, _mask(s.mask))
            install = self.emit("on", s.span, signal=SIGNALS[s.signal.name][0], args=sa)
            saved, self.loops = self.loops, []
            self.block(s.body)
            self.loops = saved
            self.emit("sigreturn", s.span)
            self.patch(install, len(self.ops))
        elif k in ("ignore", "default"):
            self.emit(k, s.span, signal=SIGNALS[s.signal.name][0],
                      args=_lits(s.span, _flags(s.flags)) if s.flags else ())
        elif k in ("block", "unblock"):
            self.emit(k, s.span, signal=SIGNALS[s.signal.name][0],
                      args=_lits(s.span, _mask((s.signal, *s.more))) if s.more else ())
        elif k in ("setmask", "sigsuspend"):
            self.emit(k, s.span, args=_lits(s.span, _mask(s.signals)))
        elif k in ("alarm", "setitimer"):
            self.emit(k, s.span, expr=s.value, expr2=s.interval, name=s.into, args=_lits(s.span, s.which))
        elif k in ("nice", "close", "lock", "unlock", "alloc", "touch", "unlink"):
            self.emit(k, s.span, expr=s.value)
        elif k == "mem":
            op, fields = mem_fields(s)
            self.emit(op, s.span, **fields)
        elif k == "dup2":
            self.emit("dup2", s.span, expr=s.src.expr, expr2=s.dst)
        else:
            raise AssertionError(f"procdsl bug: no compilation for statement {k!r}")

    def loop_body(self, body, top: int) -> None:
        self.loops.append((top, []))
        self.block(body)

    def end_loop(self, test: Optional[int]) -> None:
        _, breaks = self.loops.pop()
        end = len(self.ops)
        if test is not None:
            self.patch(test, end)
        for b in breaks:
            self.patch(b, end)


def env_list(env, span) -> Optional[ir.Expr]:
    """An `env { NAME = value ... }` block as one list expression: name, value, name, value ...
    (None: no block, the environment is kept)."""
    if env is None:
        return None
    items = tuple(x for var in env for x in (ir.build(ir.Lit, span=var.span, type="str", value=var.name), var.value))
    return ir.build(ir.ListLit, span=span, items=items)


def compile_program(prog: ir.Program) -> ProgramCode:
    em = _Emitter(prog.name)
    em.block(prog.body)
    end_span = prog.span.model_copy(update={"line": prog.span.end_line, "col": max(1, prog.span.end_col - 1)})
    em.emit("exit", end_span)
    return make(ProgramCode, name=prog.name, ops=tuple(_op(o) for o in em.ops), burst=static_burst(prog.body))


_OP_FIELDS = tuple((name, None if field.is_required() else field.default) for name, field in Op.model_fields.items())
_OP_DEFAULTS = dict(_OP_FIELDS)


def _op(fields: dict) -> Op:
    # Made from IR the validator passed, so pydantic need not check it again; every field is
    # given, in Op's order, so the plan's JSON is what Op(**fields) would print.
    values = _OP_DEFAULTS.copy()
    values.update(fields)           # a key already there keeps its place: Op's order stands
    if len(values) != len(_OP_DEFAULTS):        # a field Op does not have is left out, as before
        values = {name: fields.get(name, default) for name, default in _OP_FIELDS}
    return ir.construct(Op, values)


def machine_config(machine: Optional[ir.Machine]) -> MachineConfig:
    if machine is None:
        return make(MachineConfig)
    values: dict = {}
    limits: dict = {}
    for st in machine.settings:
        if st.name == "scheduler":
            values["scheduler"] = make(SchedulerConfig, name=str(st.value),
                                                  settings={s.name: int(s.value) for s in st.settings
                                                            if isinstance(s.value, (int, float))})
        elif st.name in ("max_processes", "max_events", "max_time", "max_output"):
            limits[st.name] = int(st.value)
        elif st.name in ("run_queue", "balance"):
            values[st.name] = str(st.value)
        elif st.name == "power":
            values["power"] = power_config(st)
        elif st.name == "stack_limit":
            values[st.name] = int(st.value) // 4096        # bytes -> pages
        elif st.name == "core_limit":
            values[st.name] = -1 if st.value == "unlimited" else int(st.value)
        else:
            values[st.name] = int(st.value)
    if limits:
        values["limits"] = make(Limits, **limits)
    return make(MachineConfig, **values)


class ProgramCache:
    """What a program compiles to depends on the program alone, so the scenarios of one file that
    share it compile it (and collect its fork labels) once instead of once per scenario."""

    def __init__(self) -> None:
        self.codes: dict[int, tuple[ir.Program, ProgramCode]] = {}
        self.labels: dict[int, tuple[ir.Program, frozenset[str]]] = {}
        # every program this cache compiled: whether it has a memory statement, known at once
        self.memory_ops: dict[int, tuple[ProgramCode, bool]] = {}
        self.any_memory = False

    def code(self, prog: ir.Program) -> ProgramCode:
        hit = self.codes.get(id(prog))
        if hit is None or hit[0] is not prog:      # an id is reused only after its program is gone
            hit = self.codes[id(prog)] = (prog, compile_program(prog))
            mem = has_memory_ops(hit[1])
            self.memory_ops[id(hit[1])] = (hit[1], mem)
            self.any_memory = self.any_memory or mem
        return hit[1]

    def any_memory_ops(self, codes: dict[str, ProgramCode]) -> bool:
        if not self.any_memory:
            return False            # the usual file: no program of it touches the memory map
        known = self.memory_ops
        for code in codes.values():
            hit = known.get(id(code))
            if hit[1] if hit is not None and hit[0] is code else has_memory_ops(code):
                return True
        return False

    def fork_labels(self, prog: ir.Program) -> frozenset[str]:
        hit = self.labels.get(id(prog))
        if hit is None or hit[0] is not prog:
            hit = self.labels[id(prog)] = (prog, frozenset(fork_labels(prog.body)))
        return hit[1]


def compile_scenario(path: str, sc: ir.Scenario, programs: dict[str, ir.Program],
                     cache: Optional[ProgramCache] = None, codes: Optional[dict[str, ProgramCode]] = None,
                     labels: Optional[set[str]] = None, expect_calls: Optional[set[str]] = None) -> EventPlan:
    """The event plan; `codes`, `labels` and `expect_calls` (the functions the expectations call), when
    given, are what this would compute from `programs` and `sc`."""
    cache = cache or ProgramCache()
    if codes is None:
        codes = {name: cache.code(p) for name, p in programs.items()}
    if labels is None:
        labels = scenario_labels(sc, programs, cache)
    starts = []
    for run in sc.runs:
        opts = {o.name: o.value for o in run.options}
        names = tuple(st.program for st in run.stages)
        if len(names) == 1 and "as" in opts:
            run_labels: tuple[str, ...] = (str(opts["as"]),)
        else:
            run_labels = names
        at = opts.get("at")
        burst = opts.get("burst")
        starts.append(make(Start, span=run.span, time=int(at.value) if at is not None else 0, programs=names,
                            labels=run_labels, args=tuple(st.args for st in run.stages),
                            nice=int(opts.get("nice", 0)), uid=int(opts.get("uid", 0)), gid=opts.get("gid"),
                            groups=tuple(sorted(set(opts.get("groups", ())))),     # as setgroups keeps them
                            env=(env_list(opts["env"], run.span).items,) * len(names) if "env" in opts else (),
                            burst=int(burst.value) if burst is not None else None,
                            tickets=opts.get("tickets"), rt=opts.get("rt"), cpus=opts.get("cpus"),
                            login="login" in opts, working_set=int(opts.get("working_set", 0))))
    signals = tuple(make(ExternalSignal, span=s.span, time=int(s.time.value), signal=SIGNALS[s.signal.name][0],
                                   label=s.target.label, index=s.target.index) for s in sc.sends)
    machine = machine_config(sc.machine)
    if uses_memory_map(sc, codes, cache.any_memory_ops, expect_calls):
        machine = machine.model_copy(update={"memory_map": True})
    return make(EventPlan, file=path, title=sc.title, span=sc.span, machine=machine, programs=dict(codes),
                     init=sc.init.program if sc.init else None, starts=tuple(starts), signals=signals,
                     until=int(sc.until.time.value) if sc.until else None, files=file_specs(sc.files),
                     tty_inputs=tuple(make(TtyInput, span=t.span, time=int(t.time.value), action=t.action, text=t.text)
                                      for t in sc.tty),
                     labels=tuple(sorted(labels)),
                     expectations=sc.expects)


def scenario_labels(sc: ir.Scenario, programs: dict[str, ir.Program],
                    cache: Optional[ProgramCache] = None) -> set[str]:
    labels = {sc.init.program if sc.init else "init"}
    for run in sc.runs:
        opts = {o.name: o.value for o in run.options}
        if len(run.stages) == 1 and "as" in opts:
            labels.add(str(opts["as"]))
        else:
            labels.update(st.program for st in run.stages)
    for prog in programs.values():
        labels.update(cache.fork_labels(prog) if cache is not None else fork_labels(prog.body))
    return labels
