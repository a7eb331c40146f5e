"""Process groups: who is in which, and whether a group is orphaned (kernel/exit.c
will_become_orphaned_pgrp). Below the signal code, which asks whether a stop is discarded."""

from __future__ import annotations

from typing import Optional

from procdsl.kernel.process import ZOMBIE, Proc

LOGIN_SID = 0                # the session `run` starts jobs in; its leader is outside the machine


class Groups:
    """pgid -> its members (pid -> Proc) in the order they joined, so joining and leaving cost
    O(1) however large a group grows; a zombie stays a member until it is reaped."""

    __slots__ = ("members",)

    def __init__(self) -> None:
        self.members: dict[int, dict[int, Proc]] = {}

    def join(self, p: Proc, pgid: int) -> None:
        group = self.members.get(pgid)
        if group is None:
            group = self.members[pgid] = {}
        group[p.pid] = p
        p.pgid = pgid

    def leave(self, p: Proc) -> None:
        group = self.members.get(p.pgid)
        if group is not None and group.get(p.pid) is p:
            del group[p.pid]
            if not group:
                del self.members[p.pgid]

    def move(self, p: Proc, pgid: int) -> None:
        if p.pgid != pgid:
            self.leave(p)
            self.join(p, pgid)

    def get(self, pgid: int):
        group = self.members.get(pgid)
        return group.values() if group is not None else ()

    def session_of(self, pgid: int) -> Optional[int]:
        group = self.members.get(pgid)
        return next(iter(group.values())).sid if group else None


def _links(q: Proc, pgid: int, sid: int) -> bool:
    """Whether q keeps its group joined to its session: a live member whose parent is in another
    group of the same session (will_become_orphaned_pgrp); a process `run` started has the login
    shell outside the machine as that parent."""
    if q.state == ZOMBIE:
        return False
    if q.login:
        return sid == LOGIN_SID
    parent = q.parent
    return parent is not None and parent.pid != 1 and parent.pgid != pgid and parent.sid == sid


def orphaned(k, pgid: int, ignore: Optional[Proc] = None) -> bool:
    for q in k.groups.get(pgid):
        if q is not ignore and _links(q, pgid, q.sid):
            return False
    return True
