"""Scenarios 35 and 63-71 catch the kernel bug each is about: with that rule broken, they fail.

Each case swaps one piece of the kernel for a plausible wrong version (often what procdsl
did before) and checks that the scenario file then has a failing scenario, while it passes
with the real kernel."""

from __future__ import annotations

from operator import attrgetter
from typing import Callable

import pytest
from helpers import interpreted_kernel, scenario_catches_its_bug

from procdsl.kernel import code, ops_mem, ops_proc, signals, timers
from procdsl.kernel.lifecycle import Lifecycle
from procdsl.kernel.opsupport import BLOCKED, CONTINUE, EPERM, ESRCH, _fail, _mutex, interrupted
from procdsl.kernel.process import SLEEPING
from procdsl.kernel.scheduler import rt


def _racy_sigsuspend(k, p, op):
    """setmask + pause: the mask is never restored once a handler has run."""
    if p.eintr and interrupted(k, p, "sigsuspend"):
        p.pc += 1
        return CONTINUE
    p.mask = op.aux
    signals.update_pending(p)
    k.block(p, SLEEPING, "pause", None, "pause")
    return BLOCKED


def _unlock_owner_only(k, p, op):
    """EPERM for every non-owner, whatever the mutex type (procdsl before the mutex types)."""
    m = _mutex(op.expr(p), op.span)
    if m.owner is not p:
        _fail(k, p, "unlock", EPERM)
    else:
        ops_mem.release(k, m)
    p.pc += 1
    return CONTINUE


def _kill_all_permitted_only(k, sender, sig):
    """ESRCH unless some process may be signalled (procdsl before kill_something_info's rule)."""
    err = ESRCH
    for q in sorted(k.procs.values(), key=lambda q: q.pid):
        if q.pid > 1 and q is not sender and q.alive and (sender.uid == 0 or q.uid == sender.uid):
            err = 0
            signals.send(k, sender, q, sig)
    return err


def _one_handler_per_delivery(run_handler: Callable) -> Callable:
    def once(p, sig, entry, now):
        run_handler(p, sig, entry, now)
        p.sigpending = False          # the others wait for the next statement: lowest number first
    return once


BROKEN: dict[str, Callable[[pytest.MonkeyPatch], None]] = {
    "35_kill_permission": lambda mp: mp.setattr(signals, "kill_all", _kill_all_permitted_only),
    "63_eintr_and_sa_restart": lambda mp: mp.setattr(signals, "RESTARTABLE", frozenset()),
    "64_sigsuspend": lambda mp: mp.setitem(code.OPS, "sigsuspend", _racy_sigsuspend),
    "65_alarm_and_itimers": lambda mp: mp.setattr(timers.Itimer, "remaining", lambda self: 0),
    "66_wait_status_stop_continue_core": lambda mp: mp.setattr(ops_proc, "_reports", lambda c, o: c.state == "Z"),
    "67_sigchld_flags": lambda mp: mp.setattr(signals, "SA_NOCLDSTOP", 0),
    "68_handler_order": lambda mp: mp.setattr(signals, "run_handler", _one_handler_per_delivery(signals.run_handler)),
    "69_reap_order_after_adoption": lambda mp: mp.setattr(Lifecycle, "first_zombie",
                                                          lambda k, p: min(p.zombies.values(), key=attrgetter("created"))),
    "70_mutex_types": lambda mp: mp.setitem(code.OPS, "unlock", _unlock_owner_only),
    "71_rt_throttling": lambda mp: mp.setattr(rt, "RT_RUNTIME", rt.RT_PERIOD),
}


# the compiled kernel calls these directly (inside signals.py, or from ops_proc.py: a kernel method too),
# past the patch
PATCHES_A_COMPILED_CALL = {"35_kill_permission", "66_wait_status_stop_continue_core", "68_handler_order",
                           "69_reap_order_after_adoption"}


@pytest.mark.parametrize("name", [pytest.param(n, marks=interpreted_kernel) if n in PATCHES_A_COMPILED_CALL else n
                                  for n in sorted(BROKEN)])
def test_the_scenario_fails_on_a_kernel_with_that_bug(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    scenario_catches_its_bug(name, BROKEN[name], monkeypatch)
