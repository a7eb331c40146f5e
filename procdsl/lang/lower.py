"""Grammar rules to IR: one small method per rule, called as Lark reduces it; problems are collected, not raised.

`procdsl.reduce` calls `Lower.RULE(self, pos, children)`: `pos` is the stretch of source the
rule covers (a `reduce.Pos`), `children` what Lark's tree builder would have given the rule."""

from __future__ import annotations

import re
from typing import Any

from procdsl import ir
from procdsl.ir.span import Span
from procdsl.lang.diagnostics import Diagnostic
from procdsl.lang.literals import LITERAL_TERMINALS, out_of_range
from procdsl.lang.lower_creds import CredRules
from procdsl.lang.lower_expects import ExpectRules
from procdsl.lang.lower_exprs import ExprRules
from procdsl.lang.lower_files import FileRules
from procdsl.lang.lower_jobs import JobRules
from procdsl.lang.lower_machine import MachineRules
from procdsl.lang.lower_mem import MemRules
from procdsl.lang.lower_sockets import SocketRules
from procdsl.lang.lower_stmts import StmtRules
from procdsl.lang.reduce import reducer_for, syntax_errors
from procdsl.lang.source import Source
from procdsl.lang.tokens import Token, meaningful

MAX_CPUS = 256          # the most `machine { cpus N }` allows (validate_machine.py checks it)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "{": "{", "}": "}"}


class Lower(MachineRules, ExpectRules, StmtRules, ExprRules, FileRules, SocketRules, JobRules, CredRules,
            MemRules):
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
        return tuple(meaningful(children))

    def scenario(self, meta, children):
        title = self.string_value(children[0])
        fields: dict[str, Any] = {"programs": [], "runs": [], "sends": [], "expects": [], "tty": []}
        for item in meaningful(children[1:]):
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
        items = meaningful(children)
        return ir.build(ir.ProcRef, span=self.span(meta), label=str(items[0]), index=int(items[1]) if len(items) > 1 else None)

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
