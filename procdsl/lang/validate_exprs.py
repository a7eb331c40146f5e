"""Static checks of expressions: the names and functions a program's and an expectation's expressions use."""

from __future__ import annotations

import re
from typing import Any, Callable, Iterable, Iterator

from procdsl import ir
from procdsl.core.linux import ERRNO, SIGNALS
from procdsl.lang.diagnostics import did_you_mean, nearest
from procdsl.lang.validate_files import FILE_QUERIES, file_query
from procdsl.lang.validate_mem import MEM_QUERIES

_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
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


class ExprChecks:
    """Mixed into validate.Validator; they use its error, unknown and label checks."""

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
