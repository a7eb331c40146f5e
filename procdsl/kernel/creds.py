"""Who a process is: real, effective and saved uid and gid, supplementary groups, and Linux's rules on them.

The rules are kernel/sys.c's (__sys_setuid, __sys_setreuid, __sys_setresuid and the gid twins),
with "privileged" meaning an effective uid of 0: procdsl has no capabilities apart from root's,
and Linux keeps CAP_SETUID exactly while the effective uid is 0 (docs/evidence/creds_rules.c).
"""

from __future__ import annotations

from procdsl.core.linux import ERRNO
from procdsl.kernel.process import Proc

EPERM, EINVAL = ERRNO["EPERM"], ERRNO["EINVAL"]
S_ISUID, S_ISGID, S_IXGRP = 0o4000, 0o2000, 0o010
KEEP = -1                  # a set*id argument that leaves the id as it is
ID_MAX = 2**32 - 2         # uid_t is 32 bits and (uid_t) -1 means "unchanged"
GROUPS_MAX = 65536         # NGROUPS_MAX


def start(p: Proc, uid: int, gid: int, groups: tuple) -> None:
    """A process as `run` starts it: every uid the same, every gid the same."""
    p.uid = p.euid = p.suid = uid
    p.gid = p.egid = p.sgid = gid
    p.groups = groups


def copy(parent: Proc, child: Proc) -> None:
    """fork copies every id and the group list."""
    child.uid, child.euid, child.suid = parent.uid, parent.euid, parent.suid
    child.gid, child.egid, child.sgid = parent.gid, parent.egid, parent.sgid
    child.groups = parent.groups


def detail(p: Proc, call: str) -> tuple:
    """The `cred` event's fields: what changed them, then every id and the groups."""
    return (call, p.uid, p.euid, p.suid, p.gid, p.egid, p.sgid, p.groups)


def plain(p: Proc) -> bool:
    """Every id what a `spawn` event's uid alone implies (so no `cred` event is needed)."""
    u = p.uid
    return p.euid == u and p.suid == u and p.gid == u and p.egid == u and p.sgid == u and not p.groups


def on_exec(p: Proc, owner: int, group: int, mode: int) -> None:
    """execve of a file: its set-user-ID bit makes its owner the effective uid, its set-group-ID bit
    (with group execute) its group the effective gid; then the saved ids become the effective ones,
    for every program (begin_new_exec)."""
    if mode & S_ISUID:
        p.euid = owner
    if mode & S_ISGID and mode & S_IXGRP:
        p.egid = group
    p.suid = p.euid
    p.sgid = p.egid


# ---------------------------------------------------------------------- the set*id calls
def set_ids(p: Proc, call: str, values: tuple) -> int:
    """One of the set*id calls on p; 0, or the errno (EINVAL for an id out of range)."""
    for v in values:
        if not (v == KEEP or 0 <= v <= ID_MAX):
            return EINVAL
    gids = call.endswith("gid")
    real, eff, saved = (p.gid, p.egid, p.sgid) if gids else (p.uid, p.euid, p.suid)
    priv = p.euid == 0
    if call in ("setuid", "setgid"):
        (v,) = values
        if v == KEEP:
            return EINVAL
        if priv:
            new = (v, v, v)
        elif v in (real, saved):
            new = (real, v, saved)
        else:
            return EPERM
    elif call in ("seteuid", "setegid"):          # glibc: setresuid(-1, e, -1)
        return set_ids(p, "setres" + call[4:], (KEEP, values[0], KEEP)) if values[0] != KEEP else EINVAL
    elif call in ("setreuid", "setregid"):
        r, e = values
        if not priv and (r not in (KEEP, real, eff) or e not in (KEEP, real, eff, saved)):
            return EPERM
        nr = real if r == KEEP else r
        ne = eff if e == KEEP else e
        # the saved id follows the new effective one when the real id is set, or the effective
        # id is set to anything but the old real id
        ns = ne if r != KEEP or (e != KEEP and e != real) else saved
        new = (nr, ne, ns)
    else:                                          # setresuid, setresgid
        if not priv and any(v not in (KEEP, real, eff, saved) for v in values):
            return EPERM
        new = tuple(old if v == KEEP else v for v, old in zip(values, (real, eff, saved)))
    if gids:
        p.gid, p.egid, p.sgid = new
    else:
        p.uid, p.euid, p.suid = new
    return 0


def set_groups(p: Proc, groups: tuple) -> int:
    """setgroups(2): root only; the list is kept sorted and without repeats, as groups_sort does."""
    if p.euid != 0:
        return EPERM
    if len(groups) > GROUPS_MAX or any(not 0 <= g <= ID_MAX for g in groups):
        return EINVAL
    p.groups = tuple(sorted(set(groups)))
    return 0


# ---------------------------------------------------------------------- permission
def may_kill(sender: Proc, target: Proc) -> bool:
    """kill_ok_by_cred: the sender's real or effective uid is the target's real or saved uid, or the
    sender is root. The target's effective uid does not count (docs/evidence/kill_perm.c)."""
    if sender.euid == 0:
        return True
    return sender.euid in (target.uid, target.suid) or sender.uid in (target.uid, target.suid)


def in_group(p: Proc, gid: int) -> bool:
    """in_group_p: the effective gid or one of the supplementary groups."""
    return p.egid == gid or gid in p.groups
