"""Semantic checks on the IR: every name resolves, units are present, signals can be caught."""

from __future__ import annotations

import re
from typing import Any, Callable, Iterable, Iterator, Optional

from procdsl import ir
from procdsl.core.linux import ERRNO, SIGNALS, UNCATCHABLE
from procdsl.ir.span import Span
from procdsl.ir.walk import bodies, exec_targets, static_burst
from procdsl.lang.diagnostics import Diagnostic, did_you_mean, nearest
from procdsl.lang.hints import unknown_name
from procdsl.lang.lower import MAX_CPUS
from procdsl.lang.validate_files import FILE_QUERIES, FILE_STATEMENTS, file_query, file_statement, files_block
from procdsl.lang.validate_jobs import JOB_STATEMENTS, tty_lines
from procdsl.lang.validate_mem import MEM_QUERIES, MEM_STATEMENTS, mem_statement, stack_setting
from procdsl.lang.validate_power import power_setting
from procdsl.lang.validate_sockets import SOCKET_STATEMENTS, socket_exprs, socket_statement

_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
STATEMENTS = ("compute", "sleep", "io", "print", "write", "shared", "if", "else", "while", "repeat", "loop",
              "break", "continue", "fork", "exec", "exit", "wait", "send", "on", "ignore", "default",
              "block", "unblock", "pause", "nice", "pipe", "close", "dup2", "for", "mutex", "lock", "unlock",
              "alloc", "touch", "subreaper", "setmask", "sigsuspend", "alarm", "setitimer", "open", "read",
              "lseek", "dup", "fcntl", "unlink", "printf", "fprintf", "fflush", "_exit", "setsid", "setpgid",
              "getpgid", "getsid", "getpgrp", "tcsetpgrp", "tcgetpgrp", "execvp", "setuid",
              "seteuid", "setgid", "setegid", "setreuid", "setregid", "setresuid", "setresgid", "setgroups",
              "setenv", "unsetenv") + tuple(sorted(SOCKET_STATEMENTS)) \
             + MEM_STATEMENTS
SCHEDULERS = ("cfs", "eevdf", "fifo", "sjf", "stcf", "rr", "mlfq", "lottery", "stride")
BUILTINS = frozenset(("pid", "ppid", "errno", "args", "stdin", "stdout", "stderr", "true", "false", "pgid", "sid",
                      "uid", "euid", "gid", "egid", "groups", "environ"))
# setting name -> the kind of value it takes
MACHINE_SETTINGS = {
    "cpus": "int", "scheduler": "name", "context_switch": "duration", "cache_refill": "duration",
    "step": "duration", "syscall": "duration", "copy_kib": "duration", "fork": "duration", "exec": "duration", "pid_max": "int",
    "seed": "int", "tick": "duration", "balance_interval": "duration", "max_processes": "int",
    "max_events": "int", "max_time": "duration", "max_output": "size", "core_limit": "core_size",
    "tostop": "int",
    "run_queue": "name", "balance": "name", "peek_interval": "duration", "cache_size": "int",
    "cache_warmup": "duration", "warm_rate": "int", "cold_rate": "int",
    "stack_limit": "size", "fork_page": "duration", "power": "name",
}
# the machine settings whose value is one of a few names
NAMED_VALUES = {"run_queue": ("per_cpu", "shared"), "balance": ("linux", "steal", "none")}
OUTPUT_CEILING = 256 << 20      # bytes: the largest max_output, so that no scenario's output exhausts the host
PROCESS_QUERIES = frozenset((
    "state", "alive", "pid", "ppid", "cmd", "exit_code", "killed_by", "shell_status", "reaper", "cpu_time",
    "switches", "voluntary_switches", "involuntary_switches", "response_time", "turnaround", "wait_time",
    "cow_copies", "output", "nice", "uid", "migrations", "max_delay", "offset", "core_dumped", "stopped_by",
    "euid", "suid", "gid", "egid", "sgid", "groups", "env",
    "sent", "received", "accepted",
    "pgid", "sid",
    "level", "exit_cpu",
)) | MEM_QUERIES
EVENTS = frozenset(("start", "run", "exec", "exit", "reap", "stop", "cont"))
MACHINE_QUERIES = frozenset(("count", "time", "utilization", "idle_time", "len", "avg", "sum", "min", "max",
                             "file", "exists", "size", "warm_fraction", "energy", "residency"))
KNOWN_FUNCTIONS = PROCESS_QUERIES | EVENTS | MACHINE_QUERIES
LABEL_ARGUMENTS = PROCESS_QUERIES | EVENTS | {"count"}       # functions whose arguments name labels
PROGRAM_FUNCTIONS = frozenset(("len", "random", "exponential", "getuid", "geteuid", "getgid", "getegid", "getenv", "peek"))
ARITY = {"getuid": (0,), "geteuid": (0,), "getgid": (0,), "getegid": (0,), "getenv": (1, 2)}
ARITY_TEXT = {"getuid": "no arguments", "geteuid": "no arguments", "getgid": "no arguments",
              "getegid": "no arguments", "getenv": 'a name, and a value for when it is unset: getenv("HOME", "/")'}
EXPECT_VALUES = frozenset(("output", "screen", "foreground", "zombies", "io_busy", "running", "ready", "sleeping", "disk_wait", "stopped",
                           "zombie", "reaped", "true", "false"))


AGGREGATES = frozenset(("avg", "sum", "min", "max"))


def signal_names() -> Iterable[str]:
    return SIGNALS.keys()


class Validator:
    def __init__(self, programs: dict[str, ir.Program], open_labels: bool = False) -> None:
        self.programs = programs
        self.diagnostics: list[Diagnostic] = []
        # With a student's submission bound, which labels exist depends on the submission:
        # an expectation about a label nobody creates then fails when checked, and says so.
        self.open_labels = open_labels
        # Every function the scenario's expectations call, gathered on the walk the checks make
        # anyway: the compiler asks it whether a memory query is among them (plan/memory.py).
        self.expect_calls: set[str] = set()

    def error(self, message: str, span: Span, hint: str | None = None) -> None:
        diag = Diagnostic(message, span, hint=hint)
        if diag not in self.diagnostics:
            self.diagnostics.append(diag)

    # ------------------------------------------------------------ programs
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

    def unknown(self, name: str, what: str, span: Span, known: Iterable[str], hint: str | None) -> None:
        """An unknown statement or function: a newcomer's habit or a feature not modelled yet
        gets its own help (lang/hints.py), anything else the nearest known name."""
        message, hint = unknown_name(name, what) or (f"unknown {what} '{name}'{did_you_mean(name, known)}", hint)
        self.error(message, span, hint)

    def duration(self, e: ir.Expr, what: str) -> None:
        if isinstance(e, ir.Lit) and e.type in ("int", "float"):
            self.error("a duration needs a unit", e.span, f"write {e.value}ms, {e.value}us or {e.value}s")
        elif isinstance(e, ir.Lit) and e.type not in ("duration",):
            self.error(f"{what} takes a duration, not a {e.type}", e.span)

    def program_ref(self, name: str, span: Span) -> None:
        if name not in self.programs:
            self.error(f"unknown program '{name}'{did_you_mean(name, self.programs)}", span,
                       "define it with `program NAME { ... }` in this file, its scenario, or a `use`d file")

    def signal(self, ref: ir.SigRef, catch: bool, verb: str = "caught or ignored") -> int | None:
        if ref.name not in SIGNALS:
            self.error(f"unknown signal '{ref.name}'{did_you_mean(ref.name, signal_names())}", ref.span)
            return None
        num = SIGNALS[ref.name][0]
        if catch and num in UNCATCHABLE:
            self.error(f"{ref.name} cannot be {verb}", ref.span,
                       "SIGKILL and SIGSTOP always take their default action; handle SIGTERM for a graceful exit")
        return num

    def expr(self, e: ir.Expr, names: set[str]) -> None:
        cls = e.__class__
        if cls is ir.Lit or (cls is ir.Name and e.id in names):
            return                       # most expressions: nothing under them to check
        for node in walk_expr(e):
            if isinstance(node, ir.Call) and node.func not in PROGRAM_FUNCTIONS:
                self.unknown(node.func, "function", node.func_span, PROGRAM_FUNCTIONS,
                             "programs can call " + ", ".join(sorted(PROGRAM_FUNCTIONS)))
            elif isinstance(node, ir.Call) and len(node.args) not in ARITY.get(node.func, (len(node.args),)):
                self.error(f"{node.func}() takes {ARITY_TEXT[node.func]}", node.span)
            if isinstance(node, ir.Name):
                if node.id in names:
                    continue
                if node.id.startswith("SIG") and node.id.isupper():
                    if node.id not in SIGNALS:
                        self.error(f"unknown signal '{node.id}'{did_you_mean(node.id, signal_names())}", node.span)
                elif node.id not in ERRNO:
                    self.error(f"unknown name '{node.id}'{did_you_mean(node.id, names)}", node.span,
                                              "a program can read its own variables, fork labels and pid, ppid, errno, args")

    # ------------------------------------------------------------ scenarios
    def scenario(self, sc: ir.Scenario, labels: set[str]) -> None:
        if sc.machine:
            for st in sc.machine.settings:
                self.setting(st)
            self.machine_combination(sc.machine)
        if sc.init:
            self.program_ref(sc.init.program, sc.init.span)
        policy, ncpus = "cfs", 1
        for st in sc.machine.settings if sc.machine else ():
            if st.name == "scheduler":
                policy = str(st.value)
            elif st.name == "cpus" and st.value_type == "int":
                ncpus = int(st.value)
        for run in sc.runs:
            for stage in run.stages:
                self.program_ref(stage.program, stage.span)
            if len(run.stages) > 1:
                for opt in run.options:
                    if opt.name == "login":
                        self.error("`login` starts one process as a session leader, not a pipeline", opt.span,
                                   "run the login process alone: `run shell login`")
                    if opt.name == "as":
                        self.error("`as` names one process; a pipeline's processes are labelled by their programs",
                                   opt.span, "drop `as`, or run the stages separately")
            options = {opt.name: opt for opt in run.options}
            for opt in run.options:
                if opt.name in ("at", "burst"):
                    self.duration(opt.value, f"`{opt.name}`")
                elif opt.name == "tickets" and int(opt.value) < 1:
                    self.error("a process needs at least 1 ticket", opt.span)
                elif opt.name == "rt" and (opt.value[0] not in ("fifo", "rr") or not 1 <= opt.value[1] <= 99):
                    self.error("`rt` takes fifo or rr and a priority from 1 to 99", opt.span,
                               "write `rt fifo 50` or `rt rr 10`")
                elif opt.name == "cpus" and any(not 0 <= c < ncpus for c in opt.value):
                    self.error(f"this machine has cpus 0 to {ncpus - 1}", opt.span)
                elif opt.name in ("uid", "gid", "groups"):
                    run_ids(self, opt)
                elif opt.name == "env":
                    for var in opt.value:
                        self.expr(var.value, set(BUILTINS))
            if policy in ("sjf", "stcf") and "burst" not in options:
                for stage in run.stages:
                    prog = self.programs.get(stage.program)
                    if prog is not None and static_burst(prog.body) is None:
                        self.error(f"{policy} needs each job's length, and the length of '{stage.program}' "
                                   f"is not known before it runs", stage.span,
                                   f"give it: `run {stage.program} burst 20ms`, or make the program a straight "
                                   f"list of fixed `compute` statements")
        for send in sc.sends:
            self.duration(send.time, "`at`")
            self.signal(send.signal, catch=False)
            self.label(send.target.label, send.target.span, labels)
        tty_lines(self, sc)
        if sc.until:
            self.duration(sc.until.time, "`until`")
        if sc.files:
            files_block(self, sc.files)
        for exp in sc.expects:
            self.assertion(exp.assertion, labels, bound=set())
        if not sc.runs and not sc.init:
            self.error("this scenario runs nothing", sc.span, "add `run PROGRAM` (or `init PROGRAM`)")

    def setting(self, st: ir.Setting) -> None:
        kind = MACHINE_SETTINGS.get(st.name)
        if kind is None:
            self.error(f"unknown machine setting '{st.name}'{did_you_mean(st.name, MACHINE_SETTINGS)}", st.span)
            return
        if st.name == "stack_limit":
            stack_setting(self, st)
            return
        if st.name == "power":
            power_setting(self, st)
            return
        if st.name == "scheduler":
            if st.value_type != "name" or st.value not in SCHEDULERS:
                self.error(f"unknown scheduler '{st.value}'{did_you_mean(str(st.value), SCHEDULERS)}", st.value_span,
                           "schedulers: " + ", ".join(SCHEDULERS))
            # each policy's settings and the kind of value each takes; `rt_quantum` is the
            # real-time RR quantum, which every policy runs under
            policy_settings = {
                "cfs": {"latency": "duration", "min_granularity": "duration", "wakeup_granularity": "duration"},
                "eevdf": {"slice": "duration"}, "fifo": {"switch_on_end": "int", "io_run_immediate": "int"},
                "sjf": {}, "stcf": {}, "rr": {"quantum": "duration"},
                "mlfq": {"queues": "int", "quantum": "duration", "allotment": "duration", "boost": "duration",
                         "io_reset": "int", "io_bump": "int"},
                "lottery": {"quantum": "duration"}, "stride": {"quantum": "duration"},
            }
            # rt_runtime / rt_period: RT throttling (sched_rt_runtime_us, sched_rt_period_us)
            known = dict(policy_settings.get(str(st.value), {}), rt_quantum="duration", rt_runtime="duration",
                         rt_period="duration")
            levels = 3
            for sub in st.settings:
                if sub.name == "queues" and sub.value_type == "int":
                    levels = int(sub.value)
            if st.value == "mlfq":
                for i in range(max(levels, 0)):
                    known[f"quantum_{i}"] = known[f"allotment_{i}"] = "duration"
            for sub in st.settings:
                want = known.get(sub.name)
                if want is None:
                    names = ", ".join(n for n in known if not n[-1].isdigit()) or "none but rt_quantum"
                    self.error(f"scheduler {st.value} has no setting '{sub.name}'{did_you_mean(sub.name, known)}",
                               sub.span, f"its settings: {names}" + (" (and quantum_N, allotment_N per level)"
                                                                     if st.value == "mlfq" else ""))
                elif want == "duration" and sub.value_type != "duration":
                    if sub.value_type == "int":
                        self.error("a duration needs a unit", sub.value_span, f"write {sub.value}ms or {sub.value}us")
                    else:
                        self.error(f"scheduler setting '{sub.name}' takes a duration", sub.value_span)
                elif want == "duration" and int(sub.value) <= 0:
                    if sub.name != "boost":        # boost 0 means never
                        self.error(f"scheduler setting '{sub.name}' must be longer than 0", sub.value_span)
                elif want == "int" and sub.value_type != "int":
                    self.error(f"scheduler setting '{sub.name}' takes a whole number", sub.value_span)
                elif sub.name == "queues" and not 1 <= int(sub.value) <= 64:
                    self.error("queues must be between 1 and 64", sub.value_span)
                elif sub.name in ("io_reset", "io_bump", "switch_on_end", "io_run_immediate") \
                        and int(sub.value) not in (0, 1):
                    self.error(f"{sub.name} is 0 or 1", sub.value_span)
            given = {sub.name: sub for sub in st.settings if sub.value_type == "duration"}
            runtime, period = given.get("rt_runtime"), given.get("rt_period")
            if runtime is not None and int(runtime.value) > (int(period.value) if period else 1_000_000_000):
                self.error("rt_runtime cannot be longer than rt_period (1s unless set)", runtime.value_span,
                           "rt_runtime equal to rt_period turns real-time throttling off")
            return
        if kind == "duration" and st.value_type != "duration":
            if st.value_type == "int":
                self.error("a duration needs a unit", st.value_span, f"write {st.value}ms, {st.value}us or {st.value}ns")
            else:
                self.error(f"machine setting '{st.name}' takes a duration", st.value_span)
        elif kind == "core_size" and not (st.value_type == "size" or (st.value_type == "int" and st.value == 0)
                                          or (st.value_type == "name" and st.value == "unlimited")):
            self.error(f"machine setting '{st.name}' takes a size (4KiB, 8 pages), 0 or unlimited", st.value_span)
        elif kind == "int" and st.value_type != "int":
            self.error(f"machine setting '{st.name}' takes a whole number", st.value_span)
        elif kind == "size" and st.value_type not in ("size", "int"):
            self.error(f"machine setting '{st.name}' takes a size", st.value_span, "write 4MiB, 64KiB or a number of bytes")
        elif kind == "size" and int(st.value) > OUTPUT_CEILING:
            self.error(f"{st.name} is at most 256MiB", st.value_span,
                       "a run keeps all its output in memory; a scenario needs far less")
        elif kind == "int" and st.name == "cpus" and not 1 <= int(st.value) <= MAX_CPUS:
            self.error(f"cpus must be between 1 and {MAX_CPUS}", st.value_span)
        elif kind == "int" and st.name == "tostop" and int(st.value) not in (0, 1):
            self.error("tostop is 0 or 1", st.value_span, "`tostop 1` is `stty tostop`: a background job that writes to the terminal is stopped")
        elif kind == "int" and st.name == "pid_max" and int(st.value) < 3:
            self.error("pid_max must be at least 3: PID 1 is init and a scenario runs at least one process",
                       st.value_span)
        elif st.name in NAMED_VALUES and (st.value_type != "name" or st.value not in NAMED_VALUES[st.name]):
            names = NAMED_VALUES[st.name]
            self.error(f"{st.name} is {', '.join(names[:-1])} or {names[-1]}{did_you_mean(str(st.value), names)}",
                       st.value_span)
        elif st.name in ("warm_rate", "cold_rate") and int(st.value) < 1:
            self.error(f"{st.name} is the work done per unit of time: at least 1", st.value_span)
        elif st.name == "peek_interval" and int(st.value) <= 0:
            self.error("peek_interval must be longer than 0", st.value_span, "`balance none` never moves a task")

    def machine_combination(self, machine: ir.Machine) -> None:
        """Settings that only make sense together (multi-CPU queues and the textbook's policies)."""
        given = {st.name: st for st in machine.settings}
        policy = given.get("scheduler")
        name = str(policy.value) if policy is not None else "cfs"
        subs = {sub.name for sub in policy.settings} if policy is not None else set()
        shared = given.get("run_queue")
        if shared is not None and shared.value == "shared":
            if name not in ("fifo", "rr"):
                self.error(f"run_queue shared works with the fifo and rr schedulers, not {name}", shared.span,
                           "one queue shared by all CPUs is OSTEP's multi.py model, which runs round robin")
            elif subs & {"switch_on_end", "io_run_immediate"}:
                self.error("run_queue shared does not combine with switch_on_end or io_run_immediate", shared.span,
                           "process-run's rules are for a CPU with a queue of its own")
            if "balance" in given:
                self.error("a shared run queue has nothing to balance", given["balance"].span, "drop `balance`")
        peek = given.get("peek_interval")
        balance = given.get("balance")
        if peek is not None and (balance is None or balance.value != "steal"):
            self.error("peek_interval is how often `balance steal` looks for work", peek.span,
                       "add `balance steal`, or drop peek_interval")

    def label(self, label: str, span: Span, labels: set[str]) -> None:
        if label not in labels and not self.open_labels:
            self.error(f"no process is labelled '{label}'{did_you_mean(label, labels)}", span,
                       "labels come from `run PROG [as LABEL]`, `fork LABEL { }` and init")

    def assertion(self, a: ir.Assertion, labels: set[str], bound: set[str]) -> None:
        k = a.kind
        if k == "expr_assert":
            self.expect_expr(a.expr, labels, bound)
            if a.at is not None:
                self.duration(a.at, "`at`")
        elif k == "order":
            for side in (a.first, a.second):
                if not (isinstance(side, ir.Call) and side.func in EVENTS):
                    self.error("`before` and `after` compare two events", side.span,
                               "write an event: start(p), run(p), exec(p), exit(p) or reap(p)")
                self.expect_expr(side, labels, bound)
        elif k in ("always", "never"):
            self.expect_expr(a.expr, labels, bound)
        elif k == "forall":
            self.label(a.label.label, a.label.span, labels)
            self.assertion(a.body, labels, bound | {a.var})
        elif k == "all_of":
            for item in a.items:
                self.assertion(item, labels, bound)
        elif k == "schedules":
            if a.body.kind in ir.OVER_SCHEDULES:
                self.error("`in every schedule` and `in some schedule` hold an expectation about one run",
                           a.body.span, "write the inner expectation on its own: it is already over every schedule")
            self.assertion(a.body, labels, bound)
        elif k == "ps":
            known = ("PID", "PPID", "PGID", "SID", "TTY", "STAT", "LABEL", "CMD", "NI", "UID", "VSZ", "RSS", "TIME")
            for cell in a.header:
                if cell.text not in known:
                    self.error(f"unknown ps column '{cell.text}'{did_you_mean(cell.text, known)}", cell.span,
                               "columns: " + " ".join(known))
            for row in a.rows:
                if len(row) != len(a.header):
                    self.error(f"this row has {len(row)} cells but the header has {len(a.header)}", row[0].span)
        elif k == "trace":
            for line in a.lines:
                self.trace_line(line, labels)

    def trace_line(self, line: ir.TraceLine, labels: set[str]) -> None:
        shapes = {"fork": 4, "exec": 3, "exit": (2, 3), "killed": 3, "reparent": 4, "reap": 3}
        words = [w.text for w in line.words]
        verb = words[0]
        if verb not in shapes:
            self.error(f"unknown trace event '{verb}'{did_you_mean(verb, shapes)}", line.words[0].span,
                       "trace lines: fork P -> C, exec P PROG, exit P [CODE], killed P SIG, reparent P -> Q, reap P C")
            return
        want = shapes[verb]
        if (isinstance(want, int) and len(words) != want) or (isinstance(want, tuple) and len(words) not in want):
            self.error(f"a '{verb}' trace line has the wrong number of words", line.words[0].span,
                       "trace lines: fork P -> C, exec P PROG, exit P [CODE], killed P SIG, reparent P -> Q, reap P C")
            return
        procs = {"fork": (1, 3), "exec": (1,), "exit": (1,), "killed": (1,), "reparent": (1, 3), "reap": (1, 2)}[verb]
        for i in procs:
            base = words[i].split("[")[0]
            self.label(base, line.words[i].span, labels)
        if verb == "exec":
            self.program_ref(words[2], line.words[2].span)
        if verb == "killed" and words[2] not in SIGNALS:
            self.error(f"unknown signal '{words[2]}'{did_you_mean(words[2], signal_names())}", line.words[2].span)

    def expect_expr(self, e: ir.Expr, labels: set[str], bound: set[str]) -> None:
        handled: set[int] = set()
        for node in walk_expr(e):
            if id(node) in handled:
                continue
            if isinstance(node, ir.Call):
                self.expect_calls.add(node.func)
                if node.func in AGGREGATES and node.args and not isinstance(node.args[0], ir.Name):
                    # walk_expr passes over an aggregate's metric; a call there is still a call
                    self.expect_calls.update(n.func for n in walk_expr(node.args[0]) if isinstance(n, ir.Call))
                known = KNOWN_FUNCTIONS
                if node.func in FILE_QUERIES:
                    file_query(self, node)
                if node.func not in known:
                    self.unknown(node.func, "function", node.func_span, known, None)
                elif node.func in LABEL_ARGUMENTS:
                    for arg in node.args:
                        if node.func == "count" and isinstance(arg, ir.Lit) and isinstance(arg.value, str):
                            # a string is no label: count("worker") would count nothing, silently
                            self.error("count takes a label, not a string", arg.span,
                                       f"write count({arg.value})" if _NAME_RE.fullmatch(arg.value) else None)
                        elif isinstance(arg, ir.Name):
                            handled.add(id(arg))
                            if arg.id not in bound:
                                self.label(arg.id, arg.span, labels)
                        elif isinstance(arg, ir.Index) and isinstance(arg.obj, ir.Name):
                            handled.add(id(arg.obj))
                            self.label(arg.obj.id, arg.obj.span, labels)
            elif isinstance(node, ir.Name):
                name = node.id
                if name in bound or name in labels or name in EXPECT_VALUES or name in SIGNALS or name in ERRNO:
                    continue
                if name.startswith("SIG") and name.isupper():
                    self.error(f"unknown signal '{name}'{did_you_mean(name, signal_names())}", node.span)
                elif nearest(name, labels) or self.open_labels:
                    self.label(name, node.span, labels)
                else:
                    pool = set(labels) | EXPECT_VALUES | PROCESS_QUERIES
                    self.error(f"unknown name '{name}'{did_you_mean(name, pool)}", node.span)


def walk_expr(e: ir.Expr) -> Iterator[ir.Expr]:
    """Every expression node under e, e included; a call's function name is not a Name node."""
    stack = [e]
    kids = _KIDS
    while stack:
        node = stack.pop()
        yield node
        get = kids.get(node.__class__)
        if get is not None:
            stack.extend(get(node))


def _call_args(node: ir.Call) -> tuple:
    # a name passed to avg/sum/min/max names a metric, not a variable
    return node.args[1:] if node.func in AGGREGATES else node.args


# The sub-expressions of each kind of expression node, by class (none is subclassed): one look-up
# per node instead of a chain of isinstance tests that a leaf, the commonest node, runs to the end.
_KIDS: dict[type, Callable[[Any], Iterable[ir.Expr]]] = {
    ir.Call: _call_args,
    ir.Attr: lambda n: (n.obj,),
    ir.Index: lambda n: (n.obj, n.index),
    ir.Unary: lambda n: (n.operand,),
    ir.Binary: lambda n: (n.left, n.right),
    ir.Compare: lambda n: [x for x in (n.left, n.right, n.tolerance) if x is not None],
    ir.Contains: lambda n: (n.item, n.container),
    ir.ListLit: lambda n: n.items,
    ir.Interp: lambda n: [p for p in n.parts if not isinstance(p, str)],
}


def run_ids(v: Validator, opt: ir.RunOption) -> None:
    """`run ... uid N gid N groups A, B`: ids a uid_t or gid_t can hold, at most NGROUPS_MAX groups."""
    values = opt.value if isinstance(opt.value, tuple) else (opt.value,)
    if any(x > 0xFFFFFFFE for x in values):
        v.error(f"`{opt.name}` takes ids from 0 to 4294967294", opt.span)
    if len(values) > 65536:
        v.error("a process has at most 65536 supplementary groups", opt.span)


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


class ProgramChecks:
    """A program's problems depend on the program alone unless it execs a name that does not
    resolve (the hint then depends on every name), so a file's scenarios share one check of it."""

    def __init__(self) -> None:
        self.done: dict[tuple, tuple[ir.Program, tuple[Diagnostic, ...]]] = {}
        self.targets: dict[int, tuple[ir.Program, frozenset[str]]] = {}

    def exec_targets(self, prog: ir.Program) -> frozenset[str]:
        hit = self.targets.get(id(prog))
        if hit is None or hit[0] is not prog:      # an id is reused only after its program is gone
            hit = self.targets[id(prog)] = (prog, frozenset(exec_targets(prog.body)))
        return hit[1]

    def diagnostics(self, prog: ir.Program, programs: dict[str, ir.Program], open_labels: bool) -> tuple[Diagnostic, ...]:
        unresolved = any(t not in programs for t in self.exec_targets(prog))
        key = (id(prog), tuple(programs) if unresolved else None)
        done = self.done.get(key)
        if done is None or done[0] is not prog:
            alone = Validator(programs, open_labels=open_labels)
            alone.program(prog)
            done = self.done[key] = (prog, tuple(alone.diagnostics))
        return done[1]
