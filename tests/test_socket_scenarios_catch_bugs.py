"""Scenarios 100-109 would catch a wrong kernel: each is run on a kernel with one bug planted
and must fail the expectation written for that rule."""

from __future__ import annotations

import pytest
from helpers import SCENARIOS, interpreted_kernel

from procdsl.check.checker import check
from procdsl.kernel import ops_io, ops_net, run_plan, signals
from procdsl.kernel.files import netspace, socket
from procdsl.pipeline import compile_path


def failing(name: str) -> list[str]:
    """The descriptions of the expectations that fail when scenario `name` runs."""
    _, plans, diags = compile_path(str(SCENARIOS / name))
    assert not diags
    out = []
    for plan in plans:
        result = check(plan, run_plan(plan))
        out += [e.description or e.text for e in result.expectations if not e.passed]
    return out


def wake_every_accepter(k, listener) -> None:
    k.wake_all(listener.read_waiters, "a connection")


def keep_the_cut_off_rest(self, k, n):
    msg = self.rq[0]
    out, msg[0] = msg[0][:n], msg[0][n:]
    self.taken += len(out)
    if not msg[0]:
        self._consumed(k, self.rq.popleft())
    return out


def no_sigpipe(self, k, p, nosignal):
    return -socket.EPIPE


def restart_everything(p, sig, entry, *rest):
    wait_on = p.wait_on
    original(p, sig, entry, *rest)
    p.wait_on = wait_on                      # as if the call were restarted, poll included


original = signals.run_handler
original_connect = netspace.Net.connect


def full_at_backlog(self, k, p, s, target):
    """The off-by-one: a backlog of N full at N waiting connections (Linux lets N + 1 in)."""
    if target.state == "listening" and len(target.pending) >= target.backlog:
        return None
    return original_connect(self, k, p, s, target)

BUGS = [
    ("101_preforked_server.proc", "the worker that waited longest", lambda mp: mp.setattr(
        ops_net, "wake_one_accepter", wake_every_accepter)),
    ("104_datagrams_keep_boundaries.proc", "datagrams keep each message", lambda mp: mp.setattr(
        socket.Socket, "_take_message", keep_the_cut_off_rest)),
    ("105_refused_and_full_backlog.proc", "two connect at once", lambda mp: mp.setattr(
        netspace.Net, "connect", full_at_backlog)),
    ("106_sigpipe_closed_peer.proc", "a plain write is killed", lambda mp: mp.setattr(
        socket.Socket, "_epipe", no_sigpipe)),
    ("108_poll_any_fd.proc", "what each kind of fd reports", lambda mp: (
        mp.setattr(signals, "run_handler", restart_everything),
        mp.setattr(signals, "ALWAYS_EINTR", signals.ALWAYS_EINTR - {"poll"}),
        mp.setattr(signals, "RESTARTABLE", signals.RESTARTABLE | {"poll"}))),
    ("109_ipc_costs.proc", "a pipe: 200 calls", lambda mp: mp.setattr(ops_io, "copied", lambda k, p, n: None)),
    ("100_socket_client_server.proc", "each message comes back", lambda mp: mp.setattr(
        socket.Socket, "wake_everyone", lambda self, k, why: None)),
]


# the compiled kernel calls signals.run_handler inside signals.py directly, past the patch
PATCHES_A_COMPILED_CALL = {"108_poll_any_fd.proc"}


@pytest.mark.parametrize("name,expectation,plant", [
    pytest.param(*b, marks=interpreted_kernel) if b[0] in PATCHES_A_COMPILED_CALL else b for b in BUGS],
    ids=[b[0] for b in BUGS])
def test_the_scenario_passes_and_fails_on_a_kernel_with_the_bug(monkeypatch, name, expectation, plant) -> None:
    assert failing(name) == []
    plant(monkeypatch)
    assert any(expectation in f for f in failing(name)), failing(name)

