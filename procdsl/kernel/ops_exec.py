"""exec(2): a program found by name, by path or through PATH, the checks that make it fail, and what
a new image keeps (fds without close-on-exec, ignored signals, ids, the environment) or changes.

A program of the file may be installed in the `files` block (`program "/bin/ls" ls mode 755`):
exec by path finds it there, and `exec ls` or `run ls` go through that file too, so that its
mode decides who may run it and its set-user-ID bit what the process becomes.
"""

from __future__ import annotations

from procdsl.core.linux import ERRNO
from procdsl.core.values import ProgramFault, show, type_name
from procdsl.kernel import creds, memory, mmap
from procdsl.kernel.files import fdtable
from procdsl.kernel.files.fs import X, may
from procdsl.kernel.opsupport import CONTINUE, _fail
from procdsl.kernel.process import IGN, LimitReached

ENOENT, EACCES, ENOEXEC, ENOTDIR, ENAMETOOLONG = (ERRNO[n] for n in (
    "ENOENT", "EACCES", "ENOEXEC", "ENOTDIR", "ENAMETOOLONG"))
DEFAULT_PATH = "/bin:/usr/bin"        # glibc's search path when PATH is unset (confstr _CS_PATH)
BY_NAME, BY_PATH, SEARCH = 0, 1, 2    # op.aux: `exec NAME`, `exec "PATH"`, `execvp "FILE"`


def may_exec(p, node) -> bool:
    """MAY_EXEC on a regular file: the class's x bit, and for root any x bit at all."""
    if p.euid == 0:
        return bool(node.mode & 0o111)
    return may(node, p, X)


def open_exec(k, p, path: str):
    """do_open_execat: the inode at path that p may execute and that holds a program, or an errno."""
    found = k.fs.resolve(p, path)
    if type(found) is int:
        return found
    node = found[2]
    if node is None:
        return ENOENT
    if node.is_dir or not may_exec(p, node):
        return EACCES
    if node.program is None:
        return ENOEXEC                 # bytes that are no program: neither ELF nor #!
    return node


def search(k, p, name: str):
    """execvp's walk along PATH: the first entry that runs wins; a missing one is passed over, and
    so is one that may not be run, but that one's EACCES is what a search that finds nothing says."""
    if "/" in name:
        return open_exec(k, p, name)
    if not name:
        return ENOENT
    seen_eacces = False
    limit = k.limits.max_events
    for folder in p.env.get("PATH", DEFAULT_PATH).split(":"):
        k.nsteps += 1                  # each folder tried is a lookup: a PATH of a million ':' meets max_events
        if k.nsteps > limit:
            raise LimitReached("max_events", limit)
        got = open_exec(k, p, (folder or ".").rstrip("/") + "/" + name)
        if type(got) is not int:
            return got
        if got == EACCES:
            seen_eacces = True
        elif got not in (ENOENT, ENOTDIR, ENAMETOOLONG):
            return got
    return EACCES if seen_eacces else ENOENT


def environment(values: tuple, span) -> dict:
    """An `env { NAME = value ... }` block's evaluated (name, value, name, value ...) as a dict."""
    env = {}
    for i in range(0, len(values), 2):
        env[values[i]] = env_text(values[i + 1], span)
    return env


def env_text(v, span) -> str:
    if isinstance(v, (tuple, bool)) or v is None:
        raise ProgramFault(f"an environment variable holds text or a number, not a {type_name(v)}", span)
    return show(v)


def announce(k, p, call: str | None, env_replaced: bool) -> None:
    """The events after a new image or a new process: its ids when `call` changed them, and its
    environment when it was given one."""
    cpu = k.cpu_of(p)
    if call is not None:
        k.emit(cpu, p.pid, "cred", creds.detail(p, call))
    if env_replaced:
        k.emit(cpu, p.pid, "environ", (tuple(f"{n}={v}" for n, v in p.env.items()),))


def op_exec(k, p, op):
    how = op.aux
    if how == BY_NAME:
        path = k.installed.get(op.name)
        node = open_exec(k, p, path) if path is not None else None
        what = op.name
    else:
        what = op.expr(p)
        if not isinstance(what, str):
            raise ProgramFault(f"exec takes a path string, not a {type_name(what)}", op.span)
        node = open_exec(k, p, what) if how == BY_PATH else search(k, p, what)
    if type(node) is int:
        call = f"exec {what}" if how == BY_NAME else f'{"execvp" if how == SEARCH else "exec"} "{what}"'
        _fail(k, p, call, node)
        p.pc += 1
        return CONTINUE
    prog = k.programs[node.program if node is not None else op.name]
    args = tuple(f(p) for f in op.args)
    env = environment(op.expr2(p), op.span) if op.expr2 is not None else None
    old = creds.detail(p, "exec")
    memory.release(p.heap)
    if p.mm is not None:
        mmap.release(k, p)
    p.code = prog
    p.pc = 0
    p.vars = {}
    p.args = args
    p.cmd = prog.name
    p.execd = True                       # setpgid on it by its parent now fails with EACCES
    p.handlers = {s: h for s, h in p.handlers.items() if h == IGN}
    p.sa = None                    # flush_signal_handlers clears every sa_flags and sa_mask
    p.frames = []
    p.eintr = False
    p.linebuf = {}
    p.stdio = None                       # the old image's stdio buffers are gone, unwritten
    p.pending_store = None
    if prog.burst is not None:
        p.burst = prog.burst
    if node is not None:
        creds.on_exec(p, node.uid, node.gid, node.mode)
    else:
        creds.on_exec(p, 0, 0, 0)          # no file, no set-ID bits: the saved ids still follow
    if env is not None:
        p.env = env
    k.emit(k.cpu_of(p), p.pid, "exec", (prog.name,))
    announce(k, p, "exec" if creds.detail(p, "exec") != old else None, env is not None)
    if p.cloexec:
        for fd in fdtable.close_on_exec(k, p):
            k.emit(k.cpu_of(p), p.pid, "close", (fd, "exec"))
    return CONTINUE


def spawned(k, p, program: str, env: dict | None) -> None:
    """`run` as a login shell's fork and exec: the program's file's set-user-ID bits apply, and the
    process gets the environment the `run` gives (none otherwise)."""
    path = k.installed.get(program)
    if path is not None:
        found = k.fs.resolve(p, path)
        node = found[2] if type(found) is not int else None
        if node is not None and not node.is_dir:
            creds.on_exec(p, node.uid, node.gid, node.mode)
    if env:
        p.env = env
    announce(k, p, None if creds.plain(p) else "run", bool(env))
