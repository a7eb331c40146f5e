"""What a newcomer types first, and what procdsl does not model yet: the tables behind those hints.

A diagnostic about an unknown statement or function, or a syntax error on a line written
the C or shell way, looks its words up here, so the help line shows the procdsl form.
"""

from __future__ import annotations

import re

from procdsl import ir
from procdsl.ir.span import Span
from procdsl.ir.walk import all_statements
from procdsl.lang.diagnostics import Diagnostic

_SIGNAL_SET = "a signal set is a list of names: `block SIGINT, SIGTERM`, `setmask none`, `sigsuspend SIGUSR1`"

# The C, shell or other habit -> the procdsl form that does it.
SPELLINGS: dict[str, str] = {
    "kill": "to send a signal write `send SIGTERM to child`",
    "signal": "to handle a signal write `on SIGINT { ... }` (or `ignore SIGINT`, `default SIGINT`)",
    "sigaction": "to handle a signal write `on SIGINT flags SA_RESTART mask SIGTERM { ... }` (or `ignore SIGINT`, "
                 "`default SIGINT`)",
    "raise": "a process signals itself with `send SIGSTOP to pid`",
    "sigprocmask": "write `block SIGINT, SIGTERM`, `unblock SIGINT` or `setmask none`",
    "getpid": "a process's own PID is the built-in name `pid`",
    "getppid": "a process's parent's PID is the built-in name `ppid`",
    "waitpid": "write `s = wait child` (add `nohang` not to block, `untraced` and `continued` for stops)",
    "execl": 'write `exec PROGRAM ARGS...` (a program of this file) or `exec "PATH" ARGS...`',
    "execlp": 'write `execvp "FILE" ARGS...`: it looks FILE up along PATH',
    "execv": 'write `exec PROGRAM ARGS...` (a program of this file) or `exec "PATH" ARGS...`',
    "execve": 'write `exec "PATH" ARGS... env { NAME = "value" }`',
    "creat": 'write `fd = open "PATH" O_WRONLY O_CREAT O_TRUNC mode 644`',
    "stat": 'write `exists("PATH")` or `size("PATH")` in an expectation',
    "puts": 'write `print "text {x}"`',
    "echo": 'write `print "text {x}"`',
    "usleep": "write `sleep 5ms`",
    "nanosleep": "write `sleep 5ms`",
    "sigemptyset": _SIGNAL_SET,
    "sigaddset": _SIGNAL_SET,
    "sigfillset": _SIGNAL_SET,
    "WIFEXITED": "after `s = wait`, write `s.exited` (and `s.code` for WEXITSTATUS)",
    "WEXITSTATUS": "after `s = wait`, write `s.code`",
    "WIFSIGNALED": "after `s = wait`, write `s.signaled` (and `s.signal` for WTERMSIG)",
    "WTERMSIG": "after `s = wait`, write `s.signal`",
    "WCOREDUMP": "after `s = wait`, write `s.coredump`",
    "WIFSTOPPED": "after `s = wait child untraced`, write `s.stopped` (and `s.stopsig` for WSTOPSIG)",
    "WSTOPSIG": "after `s = wait child untraced`, write `s.stopsig`",
    "WIFCONTINUED": "after `s = wait child continued`, write `s.continued`",
    "pipe": "to make a pipe write `p = pipe`: p.read and p.write are its two ends",
    "mutex": "to make a mutex write `m = mutex` (or `m = mutex errorcheck`, `m = mutex recursive`)",
    "brk": "write `sbrk N pages`: the heap (and the break) grows by N pages",
    "malloc": "write `alloc N pages` (and `touch N pages` to write them)",
    "setrlimit": "the stack's limit is the machine setting `stack_limit 8MiB`",
    "select": "to wait on several fds write `n = poll [a, b] POLLIN timeout 1s into ready`",
    "epoll_wait": "to wait on several fds write `n = poll [a, b] POLLIN timeout 1s into ready`",
    "recvfrom": "write `n = recv FD COUNT into buf`",
    "recvmsg": "write `n = recv FD COUNT into buf`",
    "sendmsg": 'write `n = sendto FD "data"` (or `write FD "data"`; `send` is the signal statement)',
    "killpg": "to signal a process group write `send SIGTERM to -pgid` (`to 0`: the sender's own group)",
    "setpgrp": "write `setpgid 0 0`",
    "stty": "the terminal's TOSTOP flag is the machine setting `tostop 1`",
}

# What procdsl does not model yet -> what it is, or (what it is, what comes closest today).
# An entry goes when its feature lands.
NOT_MODELLED: dict[str, str | tuple[str, str]] = {
    "mkfifo": "FIFOs",
    "shm_open": ("shared memory objects", "`m = mmap 1 page MAP_SHARED` before fork makes memory the children share"),
    "mprotect": ("changing a mapping's protection", "mmap takes PROT_READ, PROT_WRITE, PROT_EXEC when it maps"),
    "ioctl": ("terminal ioctls", "`tcsetpgrp FD PGID` and `g = tcgetpgrp FD` set and read the foreground group"),
    "isatty": ("asking whether an fd is a terminal", "fds 0, 1 and 2 are the terminal unless a `run` pipeline or dup2 "
                                                     "changed them"),
    "timer_create": ("POSIX timers", "`setitimer ITIMER_REAL 5ms interval 5ms` sends SIGALRM every 5 ms"),
    "pthread_create": "threads", "clone": "threads",
    "sigqueue": "queued real-time signals",
}

# Patterns on a line that failed to parse -> the form meant. Tried in order.
_LINE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bat\s+(start|run|exec|exit|reap)\s*\("),
     "`at` takes a time (`at 5ms`) or `end`; to order events write `exit(p) before exit(q)`"),
    (re.compile(r'^\s*(\w+\s*=\s*)?send\s+[\w.\[\]]+\s+(""|\w)'),
     '`send` sends a signal (`send SIGTERM to child`); data goes on a socket with `write FD "data"` or '
     '`n = sendto FD "data"`'),
    (re.compile(r"\bfork\s*\("), "`fork` takes no parentheses: `child = fork`, or `fork child { ... }`"),
    (re.compile(r"\bwait\s*\(\s*\)"), "`wait` takes no parentheses: `s = wait`, or `s = wait child`"),
    (re.compile(r"\bpipe\s*\("), "`pipe` takes no parentheses: `p = pipe`"),
    (re.compile(r"\bsocket(pair)?\s*\("),
     "`socket` and `socketpair` take a type, no parentheses: `s = socket stream` (or dgram, tcp), "
     "`sv = socketpair stream`"),
    (re.compile(r"\bmutex\s*\("), "`mutex` takes no parentheses: `m = mutex`"),
    (re.compile(r"!(?!=)"), "procdsl writes C's `!x` as `not x`"),
    (re.compile(r"&&|\|\|"), "procdsl writes C's `&&` and `||` as `and` and `or`"),
    (re.compile(r"\b[A-Za-z_]\w*\s*(\+\+|--)"), "write `x += 1` or `x -= 1`"),
)
_WORD = re.compile(r"[A-Za-z_]\w*")
_STRING = re.compile(r'"([^"\\\n]|\\.)*"')
_COMMENT = re.compile(r"#.*")


_FIDELITY = "docs/linux-fidelity.md says what procdsl models and what it simplifies"


def unknown_name(name: str, what: str) -> tuple[str, str] | None:
    """(message, hint) for an unknown statement or function that a habit or a missing feature
    explains; `what` is "statement" or "function"."""
    if name in NOT_MODELLED:
        thing, closest = _not_modelled(name)
        return f"'{name}': procdsl does not model {thing} yet", closest
    if name in SPELLINGS:
        return f"unknown {what} '{name}'", SPELLINGS[name]
    return None


def _not_modelled(name: str) -> tuple[str, str]:
    entry = NOT_MODELLED[name]
    return (entry, _FIDELITY) if isinstance(entry, str) else entry


def syntax_hint(line: str) -> str | None:
    """The form a line that failed to parse was probably meant to have, or None."""
    line = _COMMENT.sub("", _STRING.sub('""', line))        # what strings and comments say is not code
    for pattern, hint in _LINE_PATTERNS:
        if pattern.search(line):
            return hint
    first = _WORD.match(line.lstrip())
    word = first.group() if first else ""
    if word in SPELLINGS:
        return SPELLINGS[word]
    if word in NOT_MODELLED:
        thing, closest = _not_modelled(word)
        return f"procdsl does not model {thing} yet; " + closest
    return None


# Built-in names a program may assign (the spec allows it: `pid = fork` is the C idiom), and
# what such an assignment hides from the rest of the program.
BUILTIN_MEANINGS = {
    "pid": "this process's PID", "ppid": "its parent's PID", "errno": "the error of the last failed call",
    "args": "the arguments `exec` gave", "stdin": "descriptor 0", "stdout": "descriptor 1",
    "stderr": "descriptor 2", "uid": "the real uid", "euid": "the effective uid", "gid": "the real gid",
    "egid": "the effective gid", "groups": "the supplementary groups", "environ": "the environment",
}


def shadowed_builtins(file: ir.File) -> list[Diagnostic]:
    """A warning at each statement of the file that assigns a built-in name."""
    out = []
    programs = list(file.programs) + [p for sc in file.scenarios for p in sc.programs]
    for prog in programs:
        for s in all_statements(prog.body):
            name, span = _binds(s)
            if name in BUILTIN_MEANINGS:
                out.append(Diagnostic(
                    f"assigning '{name}' hides the built-in '{name}' ({BUILTIN_MEANINGS[name]}) in this program",
                    span, severity="warning",
                    hint=f"allowed (C's `pid = fork()` idiom), but later reads of '{name}' get this value; "
                         f"to keep the built-in, choose another name such as `child`"))
    return out


def exec_strings(file: ir.File) -> list[Diagnostic]:
    """A warning at `exec "NAME"` (no slash) where NAME is a program of the file: that looks for
    the file /NAME, as execv would in the working directory, and fails with ENOENT."""
    programs = list(file.programs) + [p for sc in file.scenarios for p in sc.programs]
    names = {p.name for p in programs}
    out = []
    for prog in programs:
        for s in all_statements(prog.body):
            if s.kind == "exec" and s.path and not s.search and s.program in names:
                out.append(Diagnostic(
                    f'exec "{s.program}" looks for the file /{s.program}, not the program {s.program}',
                    s.program_span, severity="warning",
                    hint=f"write `exec {s.program}` for the program of this file, or `execvp \"{s.program}\"` "
                         f"to look it up along PATH"))
    return out


def _binds(s: ir.Stmt) -> tuple[str | None, Span | None]:
    """The name a statement assigns and where it is written (the statement, when not at its start)."""
    k = s.kind
    if k in ("assign", "special_assign") or (k == "wait" and s.into):
        name = s.into if k == "wait" else s.name
        if k != "wait" and s.shared:
            return name, s.span
        return name, ir.span(s.span.file, s.span.line, s.span.col, s.span.line, s.span.col + len(name))
    if k == "for":
        return s.var, s.span
    if k == "fork_block":
        return s.label, s.label_span
    return None, None
