"""Scenarios 72-80 catch the kernel bug each is about: with that rule broken, they fail.

Each case swaps one piece of the terminal and job-control layer for a plausible wrong version
(often what a textbook summary or the first draft of this layer said) and checks that the
scenario file then has a failing scenario, while it passes with the real kernel."""

from __future__ import annotations

from typing import Callable

import pytest
from helpers import interpreted_kernel, scenario_catches_its_bug

from procdsl.core.events import NO_PID
from procdsl.core.linux import KEYS, SIGCONT, SIGHUP
from procdsl.kernel import jobctl, ops_proc, signals
from procdsl.kernel.files.terminal import Terminal
from procdsl.kernel.process import ZOMBIE

real_setpgid = jobctl.setpgid


def _setpgid_after_exec_too(k, p, pid, pgid):
    """No EACCES: a child that has called exec can still be moved."""
    target = p.children.get(pid)
    if target is not None:
        target.execd = False
    return real_setpgid(k, p, pid, pgid)


def _press_to_the_leader_only(self, k, key):
    """Ctrl+C to "the program": the foreground group's leader alone."""
    echo, sig = KEYS[key]
    k.emit(-1, NO_PID, "press", (key, echo))
    if sig and self.pgrp > 0 and k.procs.get(self.pgrp) is not None:
        signals.generate(k, k.procs[self.pgrp], sig, sender=NO_PID, source="kernel")
    elif not sig:
        self._complete(k)


def _press_forcing(self, k, key):
    """Ctrl+C kills whatever it reaches, PID 1 included (no SIGNAL_UNKILLABLE)."""
    echo, sig = KEYS[key]
    k.emit(-1, NO_PID, "press", (key, echo))
    for q in list(k.groups.get(self.pgrp)) if sig else ():
        q.forced |= 1 << sig
        signals.generate(k, q, sig, sender=NO_PID, source="outside")


def _hangup_to_the_foreground(self, k):
    """SIGHUP to the foreground group on hangup (what the issue first said), not to the leader."""
    k.emit(-1, NO_PID, "hangup", ())
    self.hung = True
    pgrp = self.pgrp
    self.release(k, NO_PID)
    jobctl.kill_group(k, None, pgrp, SIGHUP)
    jobctl.kill_group(k, None, pgrp, SIGCONT)
    k.wake_all(self.readers, "terminal hung up")


def _any_zombie(p, pgid, options):
    """wait -G reaps any child, as wait without a target does."""
    zombies = [c for c in p.children.values() if c.state == ZOMBIE]
    return min(zombies, key=lambda c: c.seq) if zombies else None


def _whole_input(self, n):
    """No canonical mode: a read takes everything typed, across lines."""
    data = b"".join(self.lines)
    self.lines.clear()
    if len(data) > n:
        self.lines.append(data[n:])
    return data[:n]


BROKEN: dict[str, Callable[[pytest.MonkeyPatch], None]] = {
    "72_setsid_setpgid_rules": lambda mp: mp.setattr(jobctl, "setpgid", _setpgid_after_exec_too),
    "73_ctrl_c_reaches_the_foreground_group": lambda mp: mp.setattr(Terminal, "press", _press_to_the_leader_only),
    "74_background_jobs_and_the_terminal": lambda mp: mp.setattr(jobctl, "tty_check", lambda k, p, tty, sig: 0),
    "75_tcsetpgrp_rules": lambda mp: mp.setattr(jobctl, "ignored", lambda p, sig: False),
    "76_hangup_and_the_session_leader": lambda mp: mp.setattr(Terminal, "hangup", _hangup_to_the_foreground),
    "77_orphaned_process_group": lambda mp: mp.setattr(jobctl, "on_exit", lambda k, p, children: None),
    "78_kill_and_wait_by_group": lambda mp: mp.setattr(ops_proc, "_group_child", _any_zombie),
    "79_ctrl_c_in_a_container": lambda mp: mp.setattr(Terminal, "press", _press_forcing),
    "80_the_line_discipline": lambda mp: mp.setattr(Terminal, "take", _whole_input),
}


# the compiled kernel calls this function inside ops_proc.py directly, past the patch
PATCHES_A_COMPILED_CALL = {"78_kill_and_wait_by_group"}


@pytest.mark.parametrize("name", [pytest.param(n, marks=interpreted_kernel) if n in PATCHES_A_COMPILED_CALL else n
                                  for n in sorted(BROKEN)])
def test_the_scenario_fails_on_a_kernel_with_that_bug(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    scenario_catches_its_bug(name, BROKEN[name], monkeypatch)
