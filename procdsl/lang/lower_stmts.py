"""The lowering of a program's statements (mixed into lower.Lower; the file, socket, job, credential and
memory statements have modules of their own)."""

from __future__ import annotations

from procdsl import ir
from procdsl.core.linux import ITIMERS, MUTEX_TYPES, SA_FLAGS
from procdsl.lang.diagnostics import did_you_mean
from procdsl.lang.tokens import Token


class StmtRules:
    """One method per grammar rule, as in Lower; they use its span, string, expression and error helpers."""

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
