"""Who each process is and what its environment holds, at any instant, as the events tell it.

An observer like model.Model (docs/design.md, section 4): a `spawn` gives every id as its uid
and an empty environment, `fork` copies both, `cred`, `environ` and `env` change them.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from procdsl import ir
from procdsl.check.history import History
from procdsl.core.values import compile_expr, type_name

ProcInfo = Any        # check.model.ProcInfo (which imports this module)
IDS = ("uid", "euid", "suid", "gid", "egid", "sgid", "groups")


class CredModel:
    def __init__(self, model) -> None:
        self.model = model
        self.ids: dict[ProcInfo, History] = {}        # process -> (uid, euid, suid, gid, egid, sgid, groups)
        self.env: dict[ProcInfo, History] = {}        # process -> {name: value}
        self.handlers: dict[str, Callable] = {kind: getattr(self, "_on_" + kind) for kind in (
            "spawn", "fork", "cred", "environ", "env")}

    def _on_spawn(self, ev, _p, _i) -> None:
        p = self.model.proc(ev.pid)
        u = ev.detail[5]
        self.ids[p] = History(ev.time, (u, u, u, u, u, u, ()))
        self.env[p] = History(ev.time, {})

    def _on_fork(self, ev, _p, _i) -> None:
        parent, child = self.model.proc(ev.pid), self.model.proc(ev.detail[0])
        self.ids[child] = History(ev.time, self.ids[parent].values[-1])
        self.env[child] = History(ev.time, self.env[parent].values[-1])

    def _on_cred(self, ev, p, _i) -> None:
        d = ev.detail
        self.ids[p].set(ev.time, (d[1], d[2], d[3], d[4], d[5], d[6], tuple(d[7])))

    def _on_environ(self, ev, p, _i) -> None:
        self.env[p].set(ev.time, dict(item.split("=", 1) for item in ev.detail[0]))

    def _on_env(self, ev, p, _i) -> None:
        env = dict(self.env[p].values[-1])
        name, value = ev.detail
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
        self.env[p].set(ev.time, env)

    # ------------------------------------------------------------------ queries at an instant
    def id_of(self, p: ProcInfo, which: str, t: int) -> Any:
        """One of p's ids (or its groups, a list) at t; before p existed, the ids it started with."""
        ids = self.ids.get(p)
        if ids is None:
            return None
        return ids.at(max(t, p.created))[IDS.index(which)]

    def variable(self, env, p: ProcInfo, name: str) -> Optional[str]:
        if p.created > env.t or p not in self.env:
            env.note(f"{p.name} did not exist yet at that time")
            return None
        value = self.env[p].at(env.t).get(name)
        if value is None:
            env.note(f"{p.name} had no {name} in its environment at that time")
        return value


def _id_query(which: str) -> Callable:
    return lambda env, p: env.model.creds.id_of(p, which, env.t)


# per-process queries: they work in avg/sum/min/max and `for all` too
PROC_QUERIES = {which: _id_query(which) for which in IDS}


def call(e: ir.Call, lookup: Callable, recurse: Callable, proc_arg: Callable) -> Optional[Callable]:
    """env(p, "NAME"), compiled; None for any other function."""
    if e.func != "env" or len(e.args) != 2:
        return None
    target = proc_arg(e.args[0])
    name_of = compile_expr(e.args[1], lookup, recurse)

    def on_env(env):
        p = target(env)
        name = name_of(env)
        if p is None:
            return None
        if not isinstance(name, str):
            env.note(f"env() takes a variable's name as a string, not a {type_name(name)}")
            return None
        if p not in env.touched:
            env.touched.append(p)
        return env.model.creds.variable(env, p, name)
    return on_env
