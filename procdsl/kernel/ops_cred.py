"""Statements on who a process is and what it inherits: the set*id calls, setgroups, setenv, unsetenv."""

from __future__ import annotations

from procdsl.core.values import ProgramFault, brief
from procdsl.kernel import creds
from procdsl.kernel.ops_exec import env_text
from procdsl.kernel.opsupport import CONTINUE, EINVAL, _fail, _set


def _ids(values, call: str, span) -> tuple:
    if not isinstance(values, tuple):
        raise ProgramFault(f"{call} takes a list of group numbers, not {brief(values)}", span)
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int):
            raise ProgramFault(f"{call} takes numbers (an id, or -1 to keep one), not {brief(v)}", span)
    return tuple(int(v) for v in values)


def op_setid(k, p, op):
    """setuid, seteuid, setreuid, setresuid, their gid twins and setgroups: 0, or -1 and errno."""
    call = op.aux
    values = _ids(op.expr(p), call, op.span)
    err = creds.set_groups(p, values) if call == "setgroups" else creds.set_ids(p, call, values)
    if err:
        _fail(k, p, call, err)
    else:
        k.emit(k.cpu_of(p), p.pid, "cred", creds.detail(p, call))
    if op.name:
        _set(p, op.name, -1 if err else 0)
    p.pc += 1
    return CONTINUE


def op_setenv(k, p, op):
    """setenv (overwriting) or, without a value, unsetenv. The environment a fork shares is never
    changed in place: the writer gets its own copy (copy-on-write, one dict per change)."""
    name = op.expr(p)
    if not name or "=" in name:
        _fail(k, p, "unsetenv" if op.expr2 is None else "setenv", EINVAL)
        result = -1
    else:
        env = dict(p.env)
        if op.expr2 is None:
            env.pop(name, None)
            value = None
        else:
            value = env[name] = env_text(op.expr2(p), op.span)
        p.env = env
        k.emit(k.cpu_of(p), p.pid, "env", (name, value))
        result = 0
    if op.name:
        _set(p, op.name, result)
    p.pc += 1
    return CONTINUE
