"""Statements in C: one small function per statement kind, each giving the lines that do what it does.

To add a statement, write `def _KIND(w, s, ind)` returning its lines and register it in
STATEMENTS; raise Untranslatable for a form C cannot do faithfully. Every statement's
lines start with a comment quoting the .proc line it comes from.
"""

from __future__ import annotations

from typing import Callable

from procdsl import ir
from procdsl.cgen.exprs import ARG_CODE, Expressions, c_string, c_type, var, where
from procdsl.cgen.types import NUMBERS, Scope, Untranslatable, base, compatible, element, type_of, walk
from procdsl.core.linux import SIGNALS

Lines = list[str]
MUTEX_C = {"normal": "PTHREAD_MUTEX_NORMAL", "errorcheck": "PTHREAD_MUTEX_ERRORCHECK",
           "recursive": "PTHREAD_MUTEX_RECURSIVE"}


class ProgramWriter:
    """The C function of one program, and the handler functions its `on` statements install."""

    def __init__(self, program: ir.Program, scope: Scope, source_line: Callable[[str, int], str]) -> None:
        self.program = program
        self.scope = scope
        self.x = Expressions(scope)
        self.source_line = source_line
        self.handlers: list[Lines] = []
        self.uses_pipes = self.uses_signals = False
        self.counter = 0

    def fresh(self, stem: str) -> str:
        self.counter += 1
        return f"{stem}{self.counter}"

    def function(self) -> Lines:
        body = self.block(self.program.body, "    ")
        return [f"static void prog_{self.program.name}(void) {{", *body, "}"]

    def block(self, stmts: tuple, ind: str) -> Lines:
        out: Lines = []
        for s in stmts:
            out += self.stmt(s, ind)
        return out

    def stmt(self, s, ind: str) -> Lines:
        text = self.source_line(s.span.file, s.span.line).strip().replace("*/", "* /")
        comment = f"{ind}/* {s.span.line}: {text} */" if text else f"{ind}/* line {s.span.line} */"
        translate = STATEMENTS.get(s.kind)
        if translate is None:
            raise Untranslatable(s.span, f"`{s.kind}` has no C translation yet",
                                 "add a function for it to procdsl/cgen/stmts.py's STATEMENTS")
        return [comment, *translate(self, s, ind)]

    def signal(self, ref: ir.SigRef) -> str:
        return str(SIGNALS[ref.name][0])


# ---------------------------------------------------------------------- time and output
def _timed(w: ProgramWriter, s: ir.TimedStmt, ind: str) -> Lines:
    d = w.x.number(s.duration, f"`{s.kind}`", ("dur",))
    if s.into:                                    # `left = sleep D`: what nanosleep had left
        return [f"{ind}{var(w.scope.program, s.into)} = pd_{s.kind}({d}, {where(s.span)});"]
    return [f"{ind}pd_{s.kind}({d}, {where(s.span)});"]


def _read(w: ProgramWriter, s: ir.Read, ind: str) -> Lines:
    count = w.x.number(s.count, "`read`", ("int",))
    into = f"(const char **)&{var(w.scope.program, s.buffer)}" if s.buffer else "NULL"
    call = f"pd_read({w.x.fd(s.fd.expr, False)}, {count}, {into}, {where(s.span)})"
    return [f"{ind}{var(w.scope.program, s.into)} = {call};    /* read() */" if s.into else f"{ind}{call};    /* read() */"]


def _print(w: ProgramWriter, s: ir.Print, ind: str) -> Lines:
    return [f"{ind}pd_print({w.x.show(s.value)});"]


def _write(w: ProgramWriter, s: ir.Write, ind: str) -> Lines:
    call = f"pd_write({w.x.fd(s.fd.expr, True)}, {w.x.show(s.value)})"
    return [f"{ind}{var(w.scope.program, s.into)} = {call};" if s.into else f"{ind}{call};"]


# ---------------------------------------------------------------------- variables
def _typed_variable(w: ProgramWriter, name: str, value: ir.Expr) -> str:
    """The variable's type; one the inference could not find is as untranslatable as its value."""
    t = w.scope.variables.get(name)
    if t is None:
        found = type_of(value, w.scope)           # raises with the reason, if there is one
        raise Untranslatable(value.span, f"'{name}' would hold a {found}, but no C type fits all it holds")
    return t


def _assign(w: ProgramWriter, s: ir.Assign, ind: str) -> Lines:
    value = s.value
    if s.op != "=":
        value = ir.Binary(span=s.span, op=s.op[0], left=ir.Name(span=s.span, id=s.name), right=s.value)
    t = _typed_variable(w, s.name, value)
    target = var(w.scope.program, s.name)
    code = w.x.c(value)
    if not compatible(base(t), type_of(value, w.scope)):
        raise Untranslatable(s.span, f"'{s.name}' would hold a {type_of(value, w.scope)}, but it is a {base(t)}")
    if t.startswith("shared:"):
        if s.shared:
            return [f"{ind}{target} = pd_shared_cell();      /* MAP_SHARED: children forked later share it */",
                    f"{ind}*{target} = {code};"]
        return [f"{ind}*{target} = {code};"]
    return [f"{ind}{target} = {code};"]


def _special(w: ProgramWriter, s: ir.SpecialAssign, ind: str) -> Lines:
    target = var(w.scope.program, s.name)
    if s.what == "fork":
        return [f"{ind}{target} = pd_fork(NULL);              /* fork(): the child gets 0 */"]
    if s.what == "pipe":
        w.uses_pipes = True
        return [f"{ind}{target} = pd_new_pipe({target});       /* pipe(fds) */"]
    kind = MUTEX_C[s.variant or "normal"]
    return [f"{ind}{target} = pd_mutex({kind});    /* a process-shared mutex of that type */"]


# ---------------------------------------------------------------------- control flow
def _condition(code: str) -> str:
    """`(code)` for an if or a while, without doubling parentheses already around all of it
    (a statement expression `({ ... })` is not parenthesized: `while ({ ... })` is no C)."""
    if code.startswith("({"):
        return f"({code})"
    depth = 0
    for i, ch in enumerate(code):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0:
            return code if i == len(code) - 1 and code.startswith("(") else f"({code})"
    return f"({code})"


def _if(w: ProgramWriter, s: ir.If, ind: str) -> Lines:
    out: Lines = []
    for i, b in enumerate(s.branches):
        head = "if" if i == 0 else "} else if"
        out.append(f"{ind}{head} {_condition(w.x.truth(b.cond))} {{")
        out += w.block(b.body, ind + "    ")
    if s.orelse is not None:
        out.append(f"{ind}}} else {{")
        out += w.block(s.orelse, ind + "    ")
    return out + [f"{ind}}}"]


def _while(w: ProgramWriter, s: ir.While, ind: str) -> Lines:
    return [f"{ind}while {_condition(w.x.truth(s.cond))} {{", *w.block(s.body, ind + "    "), f"{ind}}}"]


def _repeat(w: ProgramWriter, s: ir.Repeat, ind: str) -> Lines:
    i, n = w.fresh("i"), w.fresh("n")
    count = w.x.number(s.count, "`repeat`", ("int",))
    return [f"{ind}for (long {i} = 0, {n} = {count}; {i} < {n}; {i}++) {{", *w.block(s.body, ind + "    "),
            f"{ind}}}"]


def _loop(w: ProgramWriter, s: ir.Loop, ind: str) -> Lines:
    return [f"{ind}for (;;) {{", *w.block(s.body, ind + "    "), f"{ind}}}"]


def _for(w: ProgramWriter, s: ir.For, ind: str) -> Lines:
    code, t = w.x.typed(s.iterable)
    if element(t) is None and t not in ("int", "pipe"):
        raise Untranslatable(s.iterable.span, f"`for` over a {t}: a list or a descriptor is needed")
    target = var(w.scope.program, s.var)
    store = f"*{target}" if _typed_variable(w, s.var, s.iterable).startswith("shared:") else target
    inner = ind + "    "
    if element(t) is not None:
        items, i = w.fresh("items"), w.fresh("i")
        cast = "(const char *)" if element(t) == "str" else ""
        return [f"{ind}{{", f"{inner}pd_list {items} = {code};",
                f"{inner}for (long {i} = 0; {i} < {items}.n; {i}++) {{",
                f"{inner}    {store} = {cast}{items}.v[{i}];", *w.block(s.body, inner + "    "), f"{inner}}}",
                f"{ind}}}"]
    fd, line = w.fresh("fd"), w.fresh("line")
    return [f"{ind}{{", f"{inner}long {fd} = {w.x.fd(s.iterable, False)};", f"{inner}const char *{line};",
            f"{inner}while (pd_read_line({fd}, &{line})) {{      /* read(2) until end of file */",
            f"{inner}    {store} = {line};", *w.block(s.body, inner + "    "), f"{inner}}}", f"{ind}}}"]


def _break(w: ProgramWriter, s, ind: str) -> Lines:
    return [f"{ind}{s.kind};"]


# ---------------------------------------------------------------------- processes
def _fork(w: ProgramWriter, s: ir.Simple, ind: str) -> Lines:
    return [f"{ind}pd_fork(NULL);                          /* fork(): both go on from here */"]


def _fork_block(w: ProgramWriter, s: ir.ForkBlock, ind: str) -> Lines:
    child = w.fresh("child")
    inner = ind + "    "
    return [f"{ind}long {child} = pd_fork({c_string(s.label)});    /* fork() */",
            f"{ind}if ({child} == 0) {{", *w.block(s.body, inner), f"{inner}pd_exit(0);", f"{ind}}}",
            f"{ind}{var(w.scope.program, s.label)} = {child};"]


def _exec(w: ProgramWriter, s: ir.Exec, ind: str) -> Lines:
    if s.path or s.env is not None:
        raise Untranslatable(s.span, "exec by path, execvp and `env { }` have no C translation yet",
                             "check them with `procdsl check`")
    args = []
    for a in s.args:
        code, t = w.x.typed(a)
        if t not in ARG_CODE:
            raise Untranslatable(a.span, f"a {t} passed to exec: arguments are strings in C")
        shown = code if t == "str" else f"pd_int({code})"
        args.append(f"pd_enc('{ARG_CODE[t]}', {shown})")
    listed = "(const char *[]){" + ", ".join(args) + "}" if args else "NULL"
    return [f"{ind}pd_exec({c_string(s.program)}, {len(args)}, {listed});    /* execv() */"]


def _exit(w: ProgramWriter, s: ir.Exit, ind: str) -> Lines:
    code = w.x.number(s.code, "`exit`", ("int", "sig", "errno")) if s.code is not None else "0"
    return [f"{ind}pd_exit({code});                          /* _exit() */"]


def _wait(w: ProgramWriter, s: ir.Wait, ind: str) -> Lines:
    target = w.x.number(s.target, "`wait`", ("int",)) if s.target is not None else "-1"
    options = [name for name, on in (("WNOHANG", s.nohang), ("WUNTRACED", s.untraced),
                                     ("WCONTINUED", s.continued)) if on]
    call = f"pd_wait({target}, {' | '.join(options) or '0'})"
    comment = f"/* waitpid({'target' if s.target is not None else '-1'}{''.join(', ' + o for o in options)}) */"
    if s.into:
        return [f"{ind}{var(w.scope.program, s.into)} = {call};    {comment}"]
    return [f"{ind}{call};    {comment}"]


def _send(w: ProgramWriter, s: ir.Send, ind: str) -> Lines:
    t = s.target
    if isinstance(t, ir.Unary) and t.op == "neg" and not (isinstance(t.operand, ir.Lit) and t.operand.value == 1):
        raise Untranslatable(s.span, "`send ... to -G`: the C machine does not start each job in a process group "
                                     "of its own, as procdsl's `run` does, so group numbers differ")
    sig = w.x.number(s.signal, "`send`", ("sig", "int"))
    target = w.x.number(s.target, "`send ... to`", ("int",))
    return [f"{ind}pd_kill({target}, {sig}, {where(s.span)});    /* kill() */"]


def _nice(w: ProgramWriter, s: ir.ExprStmt, ind: str) -> Lines:
    return [f"{ind}pd_nice({w.x.number(s.value, '`nice`', ('int',))});    /* nice() */"]


SETID_CALLS = ("setuid", "seteuid", "setgid", "setegid", "setreuid", "setregid", "setresuid", "setresgid")


def _setid(w: ProgramWriter, s: ir.SetId, ind: str) -> Lines:
    if s.call not in SETID_CALLS:
        raise Untranslatable(s.span, f"`{s.call}` has no C translation yet")
    ids = ", ".join(w.x.number(v, f"`{s.call}`", ("int",)) for v in s.values)
    call = f"pd_setid({SETID_CALLS.index(s.call)}, (long[]){{{ids}}})"
    if s.into:
        return [f"{ind}{var(w.scope.program, s.into)} = {call};    /* {s.call}() */"]
    return [f"{ind}{call};    /* {s.call}() */"]


def _subreaper(w: ProgramWriter, s, ind: str) -> Lines:
    return [f"{ind}pd_subreaper();    /* prctl(PR_SET_CHILD_SUBREAPER, 1) */"]


# ---------------------------------------------------------------------- signals
def _on(w: ProgramWriter, s: ir.On, ind: str) -> Lines:
    w.uses_signals = True
    name = w.fresh(f"on_{w.scope.program}_{s.signal.name}_")
    body = w.block(s.body, "    ")
    w.handlers.append([f"static void {name}(int sig) {{", "    int saved_errno = errno;",
                       "    pd_handler_ran(sig);", *body, "    errno = saved_errno;", "}"])
    return _action(w, s.signal, name, s.flags, s.mask, ind)


def _action(w: ProgramWriter, sig: ir.SigRef, handler: str, flags, mask: tuple, ind: str) -> Lines:
    """sigaction: SA_RESTART and an empty sa_mask unless the statement names its own."""
    if flags is None and not mask:
        return [f"{ind}pd_signal_action({w.signal(sig)}, {handler});    /* sigaction(), SA_RESTART */"]
    names = " | ".join(flags if flags is not None else ("SA_RESTART",)) or "0"
    return [f"{ind}pd_sigaction({w.signal(sig)}, {handler}, {names}, {_sigset(mask)});    /* sigaction() */"]


def _sigset(refs) -> str:
    """A signal set as the runtime's pd_sigset takes it: bit N for signal N, named in a comment."""
    if not refs:
        return "0L"
    bits = sum(1 << SIGNALS[r.name][0] for r in refs)
    return f"{bits:#x}L /* {', '.join(r.name for r in refs)} */"


def _disposition(w: ProgramWriter, s: ir.SigStmt, ind: str) -> Lines:
    sig = w.signal(s.signal)
    if s.kind in ("ignore", "default"):
        handler = "SIG_IGN" if s.kind == "ignore" else "SIG_DFL"
        if s.flags:                               # `ignore SIGCHLD flags SA_NOCLDWAIT`
            return _action(w, s.signal, handler, s.flags, (), ind)
        return [f"{ind}pd_signal_action({sig}, {handler});    /* sigaction({handler}) */"]
    how = "SIG_BLOCK" if s.kind == "block" else "SIG_UNBLOCK"
    if s.more:
        return [f"{ind}pd_mask_set({how}, {_sigset((s.signal, *s.more))});    /* sigprocmask({how}) */"]
    return [f"{ind}pd_mask({how}, {sig});    /* sigprocmask({how}) */"]


def _sigset_stmt(w: ProgramWriter, s: ir.SigSet, ind: str) -> Lines:
    if s.kind == "setmask":
        return [f"{ind}pd_mask_set(SIG_SETMASK, {_sigset(s.signals)});    /* sigprocmask(SIG_SETMASK) */"]
    return [f"{ind}pd_sigsuspend({_sigset(s.signals)});    /* sigsuspend() */"]


def _timer(w: ProgramWriter, s: ir.Timer, ind: str) -> Lines:
    """`alarm D` is setitimer(ITIMER_REAL) in C too: alarm(2) counts whole seconds."""
    value = w.x.number(s.value, f"`{s.kind}`", ("dur",))
    interval = w.x.number(s.interval, "`interval`", ("dur",)) if s.interval is not None else "0"
    call = f"pd_setitimer({s.which}, {value}, {interval})"
    if s.into:
        return [f"{ind}{var(w.scope.program, s.into)} = {call};    /* setitimer(): the old one's time left */"]
    return [f"{ind}{call};    /* setitimer() */"]


def _pause(w: ProgramWriter, s, ind: str) -> Lines:
    return [f"{ind}pd_pause();    /* pause() */"]


# ---------------------------------------------------------------------- descriptors
def _close(w: ProgramWriter, s: ir.ExprStmt, ind: str) -> Lines:
    code, t = w.x.typed(s.value)
    if t != "int":
        raise Untranslatable(s.span, f"close of a {t}: name one end (p.read or p.write); procdsl faults here")
    return [f"{ind}pd_close({code});    /* close() */"]


def _dup2(w: ProgramWriter, s: ir.Dup2, ind: str) -> Lines:
    return [f"{ind}pd_dup2({w.x.fd(s.src.expr, True)}, {w.x.number(s.dst, '`dup2`', ('int',))});    /* dup2() */"]


# ---------------------------------------------------------------------- memory
def _lock(w: ProgramWriter, s: ir.ExprStmt, ind: str) -> Lines:
    code, t = w.x.typed(s.value)
    if base(t) != "mutex":
        raise Untranslatable(s.span, f"{s.kind} of a {t}, not a mutex (procdsl faults here)")
    call = "pthread_mutex_unlock" if s.kind == "unlock" else "pthread_mutex_lock"
    return [f"{ind}pd_lock({code}, {int(s.kind == 'unlock')});    /* {call}() */"]


def _pages(w: ProgramWriter, s: ir.ExprStmt, ind: str) -> Lines:
    n = w.x.number(s.value, f"`{s.kind}`", ("int",))
    if s.kind == "touch" and _handles(w.program, "SIGSEGV"):
        raise Untranslatable(s.span, "touch with a SIGSEGV handler: procdsl goes on after the touch, "
                                     "Linux runs the faulting store again after the handler")
    return [f"{ind}pd_{s.kind}_pages({n});"]


def _handles(program: ir.Program, sig: str) -> bool:
    return any(isinstance(s, ir.On) and s.signal.name == sig for s in walk(program.body))


def _host_files(w: ProgramWriter, s, ind: str) -> Lines:
    raise Untranslatable(s.span, f"`{s.kind}` works on the scenario's own file system; the C program would open, "
                                 f"write and unlink the host's files", "check file scenarios with `procdsl check`")


def _stdio(w: ProgramWriter, s, ind: str) -> Lines:
    raise Untranslatable(s.span, f"`{s.kind}` is buffered by what stdout is, and the C program's stdout is the "
                                 f"comparison's pipe, not the scenario's terminal")


def _memory_map(w: ProgramWriter, s, ind: str) -> Lines:
    raise Untranslatable(s.span, f"`{s.op.replace('_at', ' … at')}` works on procdsl's memory map, whose addresses "
                                 f"are its own fixed layout; the host's, randomised, would differ",
                         "check memory-map scenarios with `procdsl check`")
def _host_sockets(w: ProgramWriter, s, ind: str) -> Lines:
    raise Untranslatable(s.span, f"`{s.kind}` works on the scenario's own sockets; the C program would bind the "
                                 f"host's socket names and ports", "check socket scenarios with `procdsl check`")
def _job_control(w: ProgramWriter, s, ind: str) -> Lines:
    raise Untranslatable(s.span, f"`{s.kind}`: the C machine does not start each job in a process group of its own "
                                 f"in a login session with a terminal, as procdsl's `run` does",
                         "compare sessions, groups and the terminal with scenarios 72-80 and docs/linux-fidelity.md")


def _not_yet(w: ProgramWriter, s, ind: str) -> Lines:
    raise Untranslatable(s.span, f"`{s.kind}` has no C translation yet",
                         "add a function for it to procdsl/cgen/stmts.py's STATEMENTS")


STATEMENTS: dict[str, Callable[[ProgramWriter, object, str], Lines]] = {
    "compute": _timed, "sleep": _timed, "io": _timed,
    "print": _print, "write": _write,
    "assign": _assign, "special_assign": _special,
    "if": _if, "while": _while, "repeat": _repeat, "loop": _loop, "for": _for,
    "break": _break, "continue": _break,
    "fork": _fork, "fork_block": _fork_block, "exec": _exec, "exit": _exit, "wait": _wait, "send": _send,
    "nice": _nice, "subreaper": _subreaper,
    "on": _on, "ignore": _disposition, "default": _disposition, "block": _disposition, "unblock": _disposition,
    "pause": _pause, "setmask": _sigset_stmt, "sigsuspend": _sigset_stmt, "alarm": _timer, "setitimer": _timer,
    "close": _close, "dup2": _dup2,
    "lock": _lock, "unlock": _lock, "alloc": _pages, "touch": _pages,
    "open": _host_files, "unlink": _host_files, "printf": _stdio, "fflush": _stdio,
    "read": _read, "lseek": _not_yet, "dup": _not_yet, "fcntl": _not_yet,
    "setid": _setid, "setenv": _not_yet,
    **{k: _host_sockets for k in ("socket", "socketpair", "bind", "listen", "accept", "connect", "sendto", "recv",
                                  "shutdown", "poll")},
    **{k: _job_control for k in ("setsid", "setpgid", "getpgid", "getsid", "getpgrp", "tcsetpgrp", "tcgetpgrp")},
    "mem": _memory_map,
}


def declarations(scope: Scope) -> Lines:
    """The program's variables: file-level, so that its handlers see them (volatile: they may)."""
    out = []
    for name, t in scope.variables.items():
        v = var(scope.program, name)
        if t.startswith("shared:"):
            out.append(f"static volatile long *volatile {v};")
        elif base(t) in NUMBERS or t == "float":
            out.append(f"static volatile {c_type(t)} {v};")
        elif t in ("str", "mutex"):
            out.append(f"static {c_type(t)}volatile {v};" if t == "str" else f"static pthread_mutex_t *volatile {v};")
        else:
            out.append(f"static {c_type(t)} {v};")
    return out

