"""Grammar rules to IR: one small method per rule, called as Lark reduces it; problems are collected, not raised.

`procdsl.reduce` calls `Lower.RULE(self, pos, children)`: `pos` is the stretch of source the
rule covers (a `reduce.Pos`), `children` what Lark's tree builder would have given the rule."""

from __future__ import annotations

import re
from typing import Any

from procdsl import ir
from procdsl.core.bounds import INT_LIMIT
from procdsl.core.linux import ITIMERS, MUTEX_TYPES, SA_FLAGS
from procdsl.ir.span import Span
from procdsl.lang.diagnostics import Diagnostic, did_you_mean
from procdsl.lang.literals import LITERAL_TERMINALS, out_of_range, parse_duration, parse_size
from procdsl.lang.lower_creds import CredRules
from procdsl.lang.lower_files import FileRules
from procdsl.lang.lower_jobs import JobRules
from procdsl.lang.lower_mem import MemRules
from procdsl.lang.lower_sockets import SocketRules
from procdsl.lang.reduce import reducer_for, syntax_errors
from procdsl.lang.source import Source
from procdsl.lang.tokens import Token

PAGE_SIZE = 4096
MAX_CPUS = 256          # the most `machine { cpus N }` allows (validate.py checks it)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "{": "{", "}": "}"}


def _items(children: list) -> list:
    """Children that carry meaning: no braces, brackets or empty optional slots."""
    return [c for c in children
            if c is not None and not (isinstance(c, Token) and c.type in ("LBRACE", "RBRACE", "LSQB", "RSQB", "LPAR", "RPAR"))]


class Lower(FileRules, SocketRules, JobRules, CredRules, MemRules):
    LITERALS = LITERAL_TERMINALS

    def __init__(self, source: Source, line_offset: int = 0, col_offset: int = 0) -> None:
        self.source = source
        self.path = source.path
        self.diagnostics: list[Diagnostic] = []
        self._line_offset = line_offset
        self._col_offset = col_offset

    # ------------------------------------------------------------ helpers
    def span(self, meta: Any) -> Span:
        if meta.line is None:
            return self.source.span(1 + self._line_offset, 1)
        return self._span(meta.line, meta.column, meta.end_line, meta.end_column)

    def tspan(self, tok: Token) -> Span:
        return self._span(tok.line, tok.column, tok.end_line or tok.line, tok.end_column or tok.column + len(tok))

    def _span(self, line: int, col: int, end_line: int, end_col: int) -> Span:
        if self._line_offset or self._col_offset:
            # Inside a string's {expr}: its first line continues the string's line at its column.
            if line == 1:
                col += self._col_offset
            if end_line == 1:
                end_col += self._col_offset
            line += self._line_offset
            end_line += self._line_offset
        return ir.span(self.path, line, col, end_line, end_col)

    def error(self, message: str, span: Span, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(message, span, hint=hint))

    def literal(self, tok: Token) -> None:
        """A literal too large for its type is a compile error, wherever the grammar puts it."""
        problem = out_of_range(tok)
        if problem is not None:
            self.error(problem[0], self.tspan(tok), problem[1])

    # ------------------------------------------------------------ file
    def start(self, meta, children):
        uses, programs, scenarios = [], [], []
        for c in children:
            if isinstance(c, ir.Use):
                uses.append(c)
            elif isinstance(c, ir.Program):
                programs.append(c)
            elif isinstance(c, ir.Scenario):
                scenarios.append(c)
        return ir.build(ir.File, span=self.source.span(1, 1), path=self.source.path, uses=tuple(uses),
                       programs=tuple(programs), scenarios=tuple(scenarios))

    def use_decl(self, meta, children):
        tok = children[0]
        path = None if tok.type == "SUBMISSION" else self.string_value(tok)
        return ir.build(ir.Use, span=self.span(meta), path=path)

    def program(self, meta, children):
        name, body = children
        return ir.build(ir.Program, span=self.span(meta), name=str(name), name_span=self.tspan(name), body=body)

    def block(self, meta, children):
        return tuple(_items(children))

    def scenario(self, meta, children):
        title = self.string_value(children[0])
        fields: dict[str, Any] = {"programs": [], "runs": [], "sends": [], "expects": [], "tty": []}
        for item in _items(children[1:]):
            if isinstance(item, ir.Machine):
                if "machine" in fields:
                    self.error("a scenario has one machine block", item.span, "merge the settings into the first machine block")
                fields["machine"] = item
            elif isinstance(item, ir.Program):
                fields["programs"].append(item)
            elif isinstance(item, ir.InitDecl):
                if "init" in fields:
                    self.error("a scenario has one init", item.span)
                fields["init"] = item
            elif isinstance(item, ir.Run):
                fields["runs"].append(item)
            elif isinstance(item, ir.SendAt):
                fields["sends"].append(item)
            elif isinstance(item, ir.TtyAt):
                fields["tty"].append(item)
            elif isinstance(item, ir.Until):
                if "until" in fields:
                    self.error("a scenario has one until", item.span)
                fields["until"] = item
            elif isinstance(item, ir.Expect):
                fields["expects"].append(item)
            elif isinstance(item, ir.Files):
                if "files" in fields:
                    self.error("a scenario has one files block", item.span, "merge the entries into the first files block")
                fields["files"] = item
        for key in ("programs", "runs", "sends", "expects", "tty"):
            fields[key] = tuple(fields[key])
        return ir.build(ir.Scenario, span=self.span(meta), title=title, **fields)

    # ------------------------------------------------------------ machine
    def machine(self, meta, children):
        return ir.build(ir.Machine, span=self.span(meta), settings=tuple(_items(children)))

    def setting(self, meta, children):
        name, value, sub = children
        v, vtype, vspan = self.setting_value(value)
        return ir.build(ir.Setting, span=self.span(meta), name=str(name), value=v, value_type=vtype, value_span=vspan,
                          settings=sub or ())

    def settings_block(self, meta, children):
        items = _items(children)
        out = []
        for name, value in zip(items[0::2], items[1::2]):
            v, vtype, vspan = self.setting_value(value)
            out.append(ir.build(ir.Setting, span=self.tspan(name), name=str(name), value=v, value_type=vtype, value_span=vspan))
        return tuple(out)

    def setting_value(self, value) -> tuple[Any, str, Span]:
        if isinstance(value, tuple):           # pages / range, already lowered
            return value
        tok: Token = value
        sp = self.tspan(tok)
        if tok.type == "INT":
            return int(tok), "int", sp
        if tok.type == "FLOAT":
            return float(tok), "float", sp
        if tok.type == "DURATION":
            return self.duration_value(tok), "duration", sp
        if tok.type == "SIZE":
            return parse_size(str(tok)), "size", sp
        if tok.type == "STRING":
            return self.string_value(tok), "str", sp
        return str(tok), "name", sp

    def pages(self, meta, children):
        return int(children[0]) * PAGE_SIZE, "size", self.span(meta)

    def setting_range(self, meta, children):
        return (int(children[0]), int(children[2])), "range", self.span(meta)

    # ------------------------------------------------------------ scenario items
    def init_decl(self, meta, children):
        return ir.build(ir.InitDecl, span=self.tspan(children[0]), program=str(children[0]))

    def run_decl(self, meta, children):
        stages = tuple(c for c in children if isinstance(c, ir.RunStage))
        options = tuple(c for c in children if isinstance(c, ir.RunOption))
        return ir.build(ir.Run, span=self.span(meta), stages=stages, options=options)

    def run_stage(self, meta, children):
        name = children[0]
        return ir.build(ir.RunStage, span=self.tspan(name), program=str(name), args=tuple(self.cmd_arg(a) for a in children[1:]))

    def _option(self, name, meta, value):
        return ir.build(ir.RunOption, span=self.span(meta), name=name, value=value)

    def run_as(self, meta, c):
        return self._option("as", meta, str(c[0]))

    def run_nice(self, meta, c):
        return self._option("nice", meta, c[0])

    def run_uid(self, meta, c):
        return self._option("uid", meta, int(c[0]))

    def run_at(self, meta, c):
        return self._option("at", meta, self.time(c[0]))

    def run_burst(self, meta, c):
        return self._option("burst", meta, self.time(c[0]))

    def run_tickets(self, meta, c):
        return self._option("tickets", meta, int(c[0]))

    def run_working_set(self, meta, c):
        return self._option("working_set", meta, int(c[0]))

    def run_rt(self, meta, c):
        return self._option("rt", meta, (str(c[0]), int(c[1])))

    def run_cpu(self, meta, c):
        return self._option("cpus", meta, (int(c[0]),))

    def run_cpus(self, meta, c):
        return self._option("cpus", meta, c[0])

    def cpu_list(self, meta, children):
        return tuple(cpu for item in children for cpu in item)

    def cpu_item(self, meta, children):
        lo, _, hi = children
        if hi is None:
            return (int(lo),)
        if int(hi) < int(lo):
            self.error(f"the CPU range {lo}-{hi} is empty", self.span(meta), f"write the lower CPU first: {hi}-{lo}")
        # Expanded no further than the largest machine has CPUs: a longer range then holds a
        # CPU this machine lacks, and the validator says which CPUs it has.
        return tuple(range(int(lo), min(int(hi), int(lo) + MAX_CPUS) + 1))

    def signed_int(self, meta, children):
        minus, value = children
        return -int(value) if minus is not None else int(value)

    def send_decl(self, meta, children):
        time, sig, target = children
        return ir.build(ir.SendAt, span=self.span(meta), time=self.time(time), signal=ir.build(ir.SigRef, span=self.tspan(sig), name=str(sig)),
                         target=target)

    def until_decl(self, meta, children):
        return ir.build(ir.Until, span=self.span(meta), time=self.time(children[0]))

    def bare_int(self, meta, children):
        return ir.build(ir.Lit, span=self.tspan(children[0]), type="int", value=int(children[0]))

    def time(self, node) -> ir.Lit:
        if isinstance(node, ir.Lit):
            return node
        return self.duration_lit(None, [node])

    def proc_ref(self, meta, children):
        items = _items(children)
        return ir.build(ir.ProcRef, span=self.span(meta), label=str(items[0]), index=int(items[1]) if len(items) > 1 else None)

    # ------------------------------------------------------------ expectations
    def expect(self, meta, children):
        desc, meta_tok, assertion = children
        points, visibility = None, "visible"
        if meta_tok is not None:
            points, visibility = self.expect_meta(meta_tok)
        return ir.build(ir.Expect, span=self.span(meta), description=self.string_value(desc) if desc is not None else None,
                         points=points, visibility=visibility, assertion=assertion)

    def expect_meta(self, tok: Token) -> tuple[float | None, str]:
        points: float | None = None
        visibility = "visible"
        for part in str(tok)[1:-1].split(","):
            words = part.split()
            if len(words) == 2 and words[1] in ("pt", "pts"):
                try:
                    points = float(words[0]) if "." in words[0] else int(words[0])
                except ValueError:
                    self.error(f"points must be a number, not {words[0]!r}", self.tspan(tok))
                if points is not None and not abs(points) < INT_LIMIT:
                    self.error("points out of range", self.tspan(tok), "points are at most 9223372036854775807")
                    points = None
            elif len(words) == 1 and words[0] in ("visible", "hidden", "after_due_date", "after_published"):
                visibility = words[0]
            else:
                self.error(f"unknown expectation setting {part.strip()!r}", self.tspan(tok),
                           "write [N pts] or [N pts, hidden]; visibility is visible, hidden, after_due_date or after_published")
        return points, visibility

    def assertion_block(self, meta, children):
        return ir.build(ir.AllOf, span=self.span(meta), items=tuple(_items(children)))

    def expr_assertion(self, meta, children):
        expr, at = children
        if at is None:
            return ir.build(ir.ExprAssertion, span=self.span(meta), expr=expr)
        if at == "end":
            return ir.build(ir.ExprAssertion, span=self.span(meta), expr=expr, at_end=True)
        return ir.build(ir.ExprAssertion, span=self.span(meta), expr=expr, at=at)

    def at_clause(self, meta, children):
        node = children[0]
        if isinstance(node, Token) and node.type == "END":
            return "end"
        return self.time(node)

    def order_assertion(self, meta, children):
        first, rel, second = children
        return ir.build(ir.OrderAssertion, span=self.span(meta), first=first, relation=str(rel), second=second)

    def always_assertion(self, meta, children):
        return ir.build(ir.Temporal, span=self.span(meta), kind="always", expr=children[0])

    def never_assertion(self, meta, children):
        return ir.build(ir.Temporal, span=self.span(meta), kind="never", expr=children[0])

    def forall_assertion(self, meta, children):
        var, label, body = children
        return ir.build(ir.ForAll, span=self.span(meta), var=str(var), label=label, body=body)

    def deadlock_assertion(self, meta, children):
        return ir.build(ir.Deadlock, span=self.span(meta))

    def schedules_assertion(self, meta, children):
        quantifier, body = children
        return ir.build(ir.Schedules, span=self.span(meta), every=str(quantifier) == "every", body=body)

    def outputs_assertion(self, meta, children):
        op, values = children
        if isinstance(values, Token):                 # contains "text"
            return ir.build(ir.PossibleOutputs, span=self.span(meta), op="contains",
                            values=(self.string_value(values),))
        if str(op) not in ("==", "<=", ">="):
            self.error(f"`possible outputs {op}` is not a comparison of sets", self.tspan(op),
                       "write ==, <= (every output is one of these), >= (each of these is possible) or contains")
            op = "=="
        return ir.build(ir.PossibleOutputs, span=self.span(meta), op=str(op), values=values)

    def output_set(self, meta, children):
        values = tuple(dict.fromkeys(self.string_value(t) for t in children
                                     if isinstance(t, Token) and t.type == "STRING"))
        return values

    def no_deadlock_assertion(self, meta, children):
        return ir.build(ir.NoDeadlock, span=self.span(meta))

    def ps_assertion(self, meta, children):
        when = children[0]
        rows = [r for r in _items(children[1:])]
        at = None if isinstance(when, Token) and when.type == "END" else self.time(when)
        return ir.build(ir.PsTable, span=self.span(meta), at=at, header=rows[0], rows=tuple(rows[1:]))

    def trace_assertion(self, meta, children):
        rows = _items(children)
        return ir.build(ir.TraceBlock, span=self.span(meta), lines=tuple(
            ir.build(ir.TraceLine, span=r[0].span.model_copy(update={"end_col": r[-1].span.end_col}), words=r) for r in rows))

    def table_row(self, meta, children):
        return tuple(self.cell(c) for c in children)

    def cell(self, c) -> ir.Cell:
        if isinstance(c, ir.Cell):
            return c
        text = self.string_value(c) if c.type == "STRING" else str(c)
        return ir.build(ir.Cell, span=self.tspan(c), text=text)

    def cell_word(self, meta, children):
        return self.cell(children[0])

    def cell_indexed(self, meta, children):
        items = _items(children)
        return ir.build(ir.Cell, span=self.span(meta), text=f"{items[0]}[{items[1]}]")

    def cell_dash(self, meta, children):
        return ir.build(ir.Cell, span=self.span(meta), text="-")

    # ------------------------------------------------------------ statements
    def _timed(self, kind, meta, children):
        return ir.build(ir.TimedStmt, span=self.span(meta), kind=kind, duration=children[0])

    def compute(self, meta, c):
        return self._timed("compute", meta, c)

    def sleep(self, meta, c):
        return self._timed("sleep", meta, c)

    def io(self, meta, c):
        return self._timed("io", meta, c)

    def print(self, meta, c):
        return ir.build(ir.Print, span=self.span(meta), value=c[0])

    def write(self, meta, c):
        return ir.build(ir.Write, span=self.span(meta), fd=c[0], value=c[1])

    def fd_ref(self, meta, children):
        first, *rest = [c for c in children if c is not None]
        sp = self.span(meta)
        if first.type == "INT":
            expr: ir.Expr = ir.build(ir.Lit, span=sp, type="int", value=int(first))
        else:
            expr = ir.build(ir.Name, span=self.tspan(first), id=str(first))
            if rest and rest[0].type == "FD_INDEX":
                index = ir.build(ir.Lit, span=self.tspan(rest[0]), type="int", value=int(str(rest[0])[1:-1]))
                expr = ir.build(ir.Index, span=sp, obj=expr, index=index)
            elif rest:
                expr = ir.build(ir.Attr, span=sp, obj=expr, name=str(rest[0]))
        return ir.build(ir.FdRef, span=sp, expr=expr)

    def assign(self, meta, children):
        name, value = children
        if isinstance(value, tuple):          # fork / pipe / mutex
            return ir.build(ir.SpecialAssign, span=self.span(meta), name=str(name), what=value[0],
                            variant=value[1] if len(value) > 1 else None)
        if isinstance(value, (ir.Wait, ir.TimedStmt, ir.Timer, ir.Write, ir.Open, ir.Read, ir.Lseek, ir.Dup,
                              ir.Fcntl, ir.SockCall, ir.Poll, ir.JobCall, ir.SetId, ir.SetEnv, ir.Mem)):  # x = wait / sleep / alarm / setitimer / write / open / mmap / ...
            return value.model_copy(update={"into": str(name), "span": self.span(meta)})
        return ir.build(ir.Assign, span=self.span(meta), name=str(name), value=value)

    def aug_assign(self, meta, children):
        name, op, value = children
        return ir.build(ir.Assign, span=self.span(meta), name=str(name), value=value, op=str(op))

    def shared_assign(self, meta, children):
        name, value = children
        if isinstance(value, tuple):
            return ir.build(ir.SpecialAssign, span=self.span(meta), name=str(name), what=value[0], shared=True,
                            variant=value[1] if len(value) > 1 else None)
        return ir.build(ir.Assign, span=self.span(meta), name=str(name), value=value, shared=True)

    def fork_expr(self, meta, c):
        return ("fork",)

    def pipe_expr(self, meta, c):
        return ("pipe",)

    def mutex_expr(self, meta, c):
        kind = c[0]
        if kind is None:
            return ("mutex",)
        if str(kind) not in MUTEX_TYPES:
            self.error(f"unknown mutex type '{kind}'{did_you_mean(str(kind), MUTEX_TYPES)}", self.tspan(kind),
                       "a mutex is normal (the default), errorcheck or recursive")
        return ("mutex", None if str(kind) == "normal" else str(kind))

    def sleep_expr(self, meta, c):
        return self._timed("sleep", meta, c)

    def if_stmt(self, meta, children):
        branches, orelse = [], None
        items = [c for c in children if not (isinstance(c, Token) and c.type == "ELSE")]
        i = 0
        while i < len(items):
            cond, body = items[i], items[i + 1] if i + 1 < len(items) else None
            if isinstance(cond, tuple):        # the trailing else block
                orelse = cond
                break
            if cond is None:
                break
            branches.append(ir.build(ir.Branch, span=cond.span, cond=cond, body=body))
            i += 2
        return ir.build(ir.If, span=self.span(meta), branches=tuple(branches), orelse=orelse)

    def while_stmt(self, meta, c):
        return ir.build(ir.While, span=self.span(meta), cond=c[0], body=c[1])

    def repeat_stmt(self, meta, c):
        return ir.build(ir.Repeat, span=self.span(meta), count=c[0], body=c[1])

    def loop_stmt(self, meta, c):
        return ir.build(ir.Loop, span=self.span(meta), body=c[0])

    def for_stmt(self, meta, c):
        return ir.build(ir.For, span=self.span(meta), var=str(c[0]), iterable=c[1], body=c[2])

    def _simple(self, kind, meta):
        return ir.build(ir.Simple, span=self.span(meta), kind=kind)

    def break_stmt(self, meta, c):
        return self._simple("break", meta)

    def continue_stmt(self, meta, c):
        return self._simple("continue", meta)

    def fork_stmt(self, meta, c):
        return self._simple("fork", meta)

    def pause_stmt(self, meta, c):
        return self._simple("pause", meta)

    def subreaper_stmt(self, meta, c):
        return self._simple("subreaper", meta)

    def fork_block(self, meta, c):
        return ir.build(ir.ForkBlock, span=self.span(meta), label=str(c[0]), label_span=self.tspan(c[0]), body=c[1])

    def exec_stmt(self, meta, c):
        name, *args, env = c
        return ir.build(ir.Exec, span=self.span(meta), program=str(name), program_span=self.tspan(name),
                       args=tuple(self.cmd_arg(a) for a in args), env=env)

    def cmd_arg(self, tok) -> ir.Expr:
        sp = self.tspan(tok)
        if tok.type == "STRING":
            return self.string_lit(None, [tok])
        if tok.type == "INT":
            return ir.build(ir.Lit, span=sp, type="int", value=int(tok))
        if tok.type == "DURATION":
            return self.duration_lit(None, [tok])
        return ir.build(ir.Name, span=sp, id=str(tok))

    def exit_stmt(self, meta, c):
        return ir.build(ir.Exit, span=self.span(meta), code=c[0])

    def wait_stmt(self, meta, c):
        return c[0]

    def wait_expr(self, meta, c):
        target, *options = c
        words = {str(o) for o in options}
        return ir.build(ir.Wait, span=self.span(meta), target=target, nohang="nohang" in words,
                        untraced="untraced" in words, continued="continued" in words)

    def send_stmt(self, meta, c):
        return ir.build(ir.Send, span=self.span(meta), signal=c[0], target=c[1])

    def on_stmt(self, meta, c):
        sig, flags, mask, body = c
        return ir.build(ir.On, span=self.span(meta), signal=self.sig_ref(sig), body=body, flags=flags,
                        mask=mask or ())

    def sig_ref(self, tok: Token) -> ir.SigRef:
        return ir.build(ir.SigRef, span=self.tspan(tok), name=str(tok))

    def sa_flags(self, meta, c):
        """`flags SA_RESTART, SA_NODEFER` or `flags none`: sigaction's sa_flags, by name."""
        names = [str(t) for t in c]
        if names == ["none"]:
            return ()
        for tok in c:
            if str(tok) not in SA_FLAGS:
                self.error(f"unknown sigaction flag '{tok}'{did_you_mean(str(tok), SA_FLAGS)}", self.tspan(tok),
                           "flags: " + ", ".join(SA_FLAGS) + ", or `flags none`")
        return tuple(dict.fromkeys(names))

    def sa_mask(self, meta, c):
        return self.sig_list(meta, c)

    def sig_list(self, meta, c):
        """Signal names; `none` alone is the empty set."""
        if len(c) == 1 and str(c[0]) == "none":
            return ()
        return tuple(self.sig_ref(t) for t in c)

    def _sig_stmt(self, kind, meta, c):
        return ir.build(ir.SigStmt, span=self.span(meta), kind=kind, signal=self.sig_ref(c[0]), flags=c[1])

    def ignore_stmt(self, meta, c):
        return self._sig_stmt("ignore", meta, c)

    def default_stmt(self, meta, c):
        return self._sig_stmt("default", meta, c)

    def _mask_stmt(self, kind, meta, c):
        sigs = c[0]
        if not sigs:
            self.error(f"`{kind} none` changes nothing", self.span(meta),
                       f"name the signals to {kind}, or write `setmask none` to unblock every signal")
            return ir.build(ir.SigSet, span=self.span(meta), kind="setmask", signals=())    # reported above
        return ir.build(ir.SigStmt, span=self.span(meta), kind=kind, signal=sigs[0], more=sigs[1:])

    def block_stmt(self, meta, c):
        return self._mask_stmt("block", meta, c)

    def unblock_stmt(self, meta, c):
        return self._mask_stmt("unblock", meta, c)

    def setmask_stmt(self, meta, c):
        return ir.build(ir.SigSet, span=self.span(meta), kind="setmask", signals=c[0])

    def sigsuspend_stmt(self, meta, c):
        return ir.build(ir.SigSet, span=self.span(meta), kind="sigsuspend", signals=c[0])

    def alarm_stmt(self, meta, c):
        return c[0]

    def alarm_expr(self, meta, c):
        return ir.build(ir.Timer, span=self.span(meta), kind="alarm", which="ITIMER_REAL", value=c[0])

    def setitimer_stmt(self, meta, c):
        return c[0]

    def setitimer_expr(self, meta, c):
        which, value, _word, interval = c
        if str(which) not in ITIMERS:
            self.error(f"unknown interval timer '{which}'{did_you_mean(str(which), ITIMERS)}", self.tspan(which),
                       "timers: ITIMER_REAL (SIGALRM), ITIMER_VIRTUAL (SIGVTALRM), ITIMER_PROF (SIGPROF)")
        return ir.build(ir.Timer, span=self.span(meta), kind="setitimer", which=str(which), value=value,
                        interval=interval)

    def _expr_stmt(self, kind, meta, c):
        return ir.build(ir.ExprStmt, span=self.span(meta), kind=kind, value=c[0])

    def nice_stmt(self, meta, c):
        return self._expr_stmt("nice", meta, c)

    def close_stmt(self, meta, c):
        return self._expr_stmt("close", meta, c)

    def lock_stmt(self, meta, c):
        return self._expr_stmt("lock", meta, c)

    def unlock_stmt(self, meta, c):
        return self._expr_stmt("unlock", meta, c)

    def alloc_stmt(self, meta, c):
        return self._expr_stmt("alloc", meta, c)

    def touch_stmt(self, meta, c):
        if len(c) > 2 and c[2] is not None:
            return self.touch_at(meta, c)
        return self._expr_stmt("touch", meta, c)

    def dup2_stmt(self, meta, c):
        return ir.build(ir.Dup2, span=self.span(meta), src=c[0], dst=c[1])

    def unknown_stmt(self, meta, c):
        return ir.build(ir.Unknown, span=self.tspan(c[0]), name=str(c[0]))

    # ------------------------------------------------------------ expressions
    def expr(self, meta, children):           # only built for `a or b ...`; one operand is inlined
        return self._chain("or", children)

    def and_expr(self, meta, children):
        return self._chain("and", children)

    def _chain(self, op, children):
        left = children[0]
        for right in children[1:]:
            left = ir.build(ir.Binary, span=_join(left.span, right.span), op=op, left=left, right=right)
        return left

    def not_op(self, meta, c):
        return ir.build(ir.Unary, span=self.span(meta), op="not", operand=c[0])

    def compare(self, meta, c):
        left, op, right, _pm, tol = c
        return ir.build(ir.Compare, span=self.span(meta), op=str(op), left=left, right=right, tolerance=tol)

    def contains(self, meta, c):
        return ir.build(ir.Contains, span=self.span(meta), item=c[0], container=c[1])

    def not_contains(self, meta, c):
        return ir.build(ir.Contains, span=self.span(meta), item=c[0], container=c[1], negate=True)

    def binop(self, meta, c):
        return ir.build(ir.Binary, span=self.span(meta), op=str(c[1]), left=c[0], right=c[2])

    def neg(self, meta, c):
        return ir.build(ir.Unary, span=self.span(meta), op="neg", operand=c[1])

    def attr(self, meta, c):
        return ir.build(ir.Attr, span=self.span(meta), obj=c[0], name=str(c[1]))

    def index(self, meta, c):
        items = _items(c)
        return ir.build(ir.Index, span=self.span(meta), obj=items[0], index=items[1])

    def call(self, meta, c):
        items = _items(c)
        return ir.build(ir.Call, span=self.span(meta), func=str(items[0]), func_span=self.tspan(items[0]), args=tuple(items[1:]))

    def cpu_ref(self, meta, c):
        return ir.build(ir.CpuRef, span=self.span(meta), cpu=int(c[0]))

    def atom(self, meta, c):
        return _items(c)[0]

    def int_lit(self, meta, c):
        return ir.build(ir.Lit, span=self.tspan(c[0]), type="int", value=int(c[0]))

    def float_lit(self, meta, c):
        return ir.build(ir.Lit, span=self.tspan(c[0]), type="float", value=float(c[0]))

    def duration_lit(self, meta, c):
        tok = c[0]
        return ir.build(ir.Lit, span=self.tspan(tok), type="duration", value=self.duration_value(tok))

    def duration_value(self, tok: Token) -> int:
        value = parse_duration(str(tok))
        if value.denominator != 1:
            self.error("a duration must be a whole number of nanoseconds", self.tspan(tok))
        return int(value)

    def size_lit(self, meta, c):
        return ir.build(ir.Lit, span=self.tspan(c[0]), type="size", value=parse_size(str(c[0])))

    def true_lit(self, meta, c):
        return ir.build(ir.Lit, span=self.tspan(c[0]), type="bool", value=True)

    def false_lit(self, meta, c):
        return ir.build(ir.Lit, span=self.tspan(c[0]), type="bool", value=False)

    def name(self, meta, c):
        return ir.build(ir.Name, span=self.tspan(c[0]), id=str(c[0]))

    def list_lit(self, meta, c):
        return ir.build(ir.ListLit, span=self.span(meta), items=tuple(_items(c)))

    def string_lit(self, meta, c):
        tok = c[0]
        parts = self.string_parts(tok)
        sp = self.tspan(tok)
        if all(isinstance(p, str) for p in parts):
            return ir.build(ir.Lit, span=sp, type="str", value="".join(parts))
        return ir.build(ir.Interp, span=sp, parts=tuple(parts))

    # ------------------------------------------------------------ strings
    def string_value(self, tok: Token) -> str:
        """A string with no interpolation: descriptions, titles, paths."""
        return "".join(p if isinstance(p, str) else "{" + "…" + "}" for p in self.string_parts(tok, interpolate=False))

    def string_parts(self, tok: Token, interpolate: bool = True) -> list:
        raw = str(tok)[1:-1]
        parts: list = []
        buf: list[str] = []
        i = 0
        while i < len(raw):
            ch = raw[i]
            if ch == "\\" and i + 1 < len(raw):
                nxt = raw[i + 1]
                if nxt in _ESCAPES:
                    buf.append(_ESCAPES[nxt])
                else:
                    self.error(f"unknown escape '\\{nxt}' in string", self._col_span(tok, i + 1),
                               "strings know \\n, \\t, \\\", \\\\ and {{ for a literal brace")
                i += 2
                continue
            if ch == "{" and raw[i + 1: i + 2] == "{":
                buf.append("{")
                i += 2
                continue
            if ch == "}" and raw[i + 1: i + 2] == "}":
                buf.append("}")
                i += 2
                continue
            if ch == "{" and interpolate:
                end = raw.find("}", i)
                if end < 0:
                    self.error("'{' in a string opens an interpolation that is never closed",
                               self._col_span(tok, i + 1), "write {{ for a literal brace")
                    buf.append(raw[i:])
                    break
                if buf:
                    parts.append("".join(buf))
                    buf = []
                parts.append(self.interpolation(raw[i + 1: end], tok, i + 2))
                i = end + 1
                continue
            buf.append(ch)
            i += 1
        if buf or not parts:
            parts.append("".join(buf))
        return parts

    def _col_span(self, tok: Token, offset: int) -> Span:
        base = self.tspan(tok)
        return base.model_copy(update={"col": base.col + offset, "end_col": base.col + offset + 1})

    def interpolation(self, text: str, tok: Token, offset: int) -> ir.Expr:
        base = self.tspan(tok)
        col0 = base.col + offset - 1
        reducer = reducer_for(Lower)
        if _NAME.fullmatch(text) and text not in reducer.keywords:
            # `{total}`, the common case, is the name itself: what the parser would make of it,
            # without starting a parser for one token.
            return ir.build(ir.Name, span=ir.span(base.file, base.line, col0 + 1, base.line, col0 + 1 + len(text)),
                            id=text)
        sub = Lower(self.source, line_offset=base.line - 1, col_offset=col0)
        try:
            expr = reducer.run(sub, text, "expr")
        except syntax_errors() as err:
            col = col0 + max(1, getattr(err, "column", 1) or 1)
            self.error(f"cannot read the interpolation {{{text}}}", ir.build(Span, file=base.file, line=base.line, col=col,
                       end_line=base.line, end_col=col + 1), "inside { } write an expression such as {x} or {s.code}")
            return ir.build(ir.Lit, span=base, type="str", value="")
        self.diagnostics.extend(sub.diagnostics)
        return expr


def _join(a: Span, b: Span) -> Span:
    return ir.span(a.file, a.line, a.col, b.end_line, b.end_col)

