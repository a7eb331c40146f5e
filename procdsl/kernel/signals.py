"""Signals as signal(7) describes them: generation, pending bits that do not queue, masks,
delivery at the return to user mode, handlers with SA_RESTART, default actions, PID 1 rules."""

from __future__ import annotations

from procdsl.core.events import NO_PID
from procdsl.core.linux import DEFAULT_ACTION, ERRNO, SIGCHLD, SIGCONT, SIGKILL, SIGSTOP, STOP_SIGNALS, UNCATCHABLE
from procdsl.kernel.creds import may_kill
from procdsl.kernel.process import IGN, READY, REAPED, RUNNING, SLEEPING, STOPPED, ZOMBIE, Proc

_STOP_MASK = sum(1 << s for s in STOP_SIGNALS)
_UNBLOCKABLE = (1 << SIGKILL) | (1 << SIGSTOP)
# synchronous faults are delivered before other pending signals (next_signal's SYNCHRONOUS_MASK)
_SYNC = (4, 5, 7, 8, 11, 31)


def update_pending(p: Proc) -> None:
    p.sigpending = bool(p.pending & ~(p.mask & ~_UNBLOCKABLE))


def send(k, sender: Proc | None, target: Proc, sig: int) -> int:
    """kill(2): permission and PID 1 checks, then generation. Returns 0 or an errno value."""
    spid = sender.pid if sender is not None else NO_PID
    source = "process" if sender is not None else "outside"
    if target is None or target.state == REAPED:
        k.emit(k.cpu_of(sender) if sender else -1, spid, "signal", (NO_PID, sig, "no such process (ESRCH)", source))
        return ERRNO["ESRCH"]
    if sender is not None and not may_kill(sender, target):
        k.emit(k.cpu_of(sender), spid, "signal", (target.pid, sig, "not permitted (EPERM)", source))
        return ERRNO["EPERM"]
    if sig == 0:
        return 0
    if target.state == ZOMBIE:
        k.emit(k.cpu_of(sender) if sender else -1, spid, "signal", (target.pid, sig, "target is a zombie", source))
        return 0
    if target.pid == 1 and target.handlers.get(sig, None) is None:
        # init gets only the signals it has a handler for; from outside the machine (the
        # parent namespace) SIGKILL and SIGSTOP are forced (semantics.md §5.6). A blocked
        # signal is never ignored when sent: it stays pending, and is dropped at delivery
        # if init still has no handler then (sig_ignored, get_signal)
        if sender is None and sig in UNCATCHABLE:
            target.forced |= 1 << sig
        elif not target.mask & (1 << sig):
            k.emit(k.cpu_of(sender) if sender else -1, spid, "signal",
                   (1, sig, "dropped: PID 1 has no handler for it", source))
            return 0
    generate(k, target, sig, sender=spid, source=source)
    return 0


def generate(k, t: Proc, sig: int, sender: int, source: str = "process") -> None:
    """prepare_signal + complete_signal: make the signal pending and wake or interrupt the target.

    `source` is who sends it: a "process", the "outside" world, or the "kernel" itself."""
    if t.state in (ZOMBIE, REAPED):
        return
    bit = 1 << sig
    blocked = bool(t.mask & bit) and sig not in UNCATCHABLE
    handler = t.handlers.get(sig)
    stopped = t.state == STOPPED
    ignored = sig != SIGKILL and not blocked and (
        handler == IGN or (handler is None and DEFAULT_ACTION.get(sig) in ("ign", "cont")))
    if t.pid == 1 and handler is None and source == "kernel" and DEFAULT_ACTION.get(sig) != "ign" \
            and not blocked:
        # init gets no signal it has no handler for (sig_task_ignored); only forced faults kill it
        k.emit(-1, sender, "signal", (t.pid, sig, "dropped: PID 1 has no handler for it", source))
        return
    if sig == SIGCONT and stopped:
        outcome = "continues it"
    elif ignored:
        outcome = "ignored"
    elif blocked:
        outcome = "blocked, stays pending"
    else:
        outcome = "pending"
    if not (source == "kernel" and sig == SIGCHLD and ignored):
        k.emit(-1, sender, "signal", (t.pid, sig, outcome, source))
    if sig == SIGCONT:
        t.pending &= ~_STOP_MASK
        if stopped:
            # it stopped at a return to user mode; a call it was in is simply retried
            k.emit(-1, t.pid, "cont", ())
            t.state = SLEEPING
            k.wake(t, "SIGCONT")
            if t.parent is not None and not t.parent.builtin:      # CLD_CONTINUED
                generate(k, t.parent, SIGCHLD, sender=NO_PID, source="kernel")
    elif sig in STOP_SIGNALS:
        t.pending &= ~(1 << SIGCONT)
    if ignored:
        return
    t.pending |= bit
    update_pending(t)
    if blocked:
        return
    state = t.state
    if state == RUNNING:
        k.kick(t.cpu)
    elif state == SLEEPING:
        k.wake(t, "signal")
    elif state == STOPPED and sig == SIGKILL:
        t.state = SLEEPING
        k.wake(t, "SIGKILL")
    # DISK: uninterruptible, even a kill waits for the I/O; READY: acted on when it next runs


def force(k, p: Proc, sig: int) -> None:
    """force_sig for a synchronous fault: a blocked or ignored fault signal is reset and kills."""
    bit = 1 << sig
    if p.mask & bit or p.handlers.get(sig) == IGN:
        p.mask &= ~bit
        p.handlers.pop(sig, None)
    p.pending |= bit
    p.forced |= bit
    update_pending(p)
    k.emit(k.cpu_of(p), NO_PID, "signal", (p.pid, sig, "fault", "kernel"))


def deliver(k, p: Proc) -> None:
    """At the return to user mode: act on pending, unblocked signals, lowest number first."""
    while p.sigpending and p.cpu is not None:
        ready = p.pending & ~(p.mask & ~_UNBLOCKABLE)
        sig = next((s for s in _SYNC if ready & (1 << s)), 0) or (ready & -ready).bit_length() - 1
        p.pending &= ~(1 << sig)
        update_pending(p)
        cpu = p.cpu.id
        if sig == SIGKILL:
            k.emit(cpu, p.pid, "handle", (sig, "killed"))
            k.exit_process(p, 0, sig)
            return
        handler = p.handlers.get(sig)
        if handler == IGN:
            continue
        if handler is not None:
            k.emit(cpu, p.pid, "handle", (sig, "handler"))
            run_handler(p, sig, handler)
            return
        action = DEFAULT_ACTION.get(sig, "term")
        forced = p.forced & (1 << sig)
        p.forced &= ~(1 << sig)
        if action in ("ign", "cont") or (p.pid == 1 and not forced):
            continue
        if action == "stop":
            k.emit(cpu, p.pid, "handle", (sig, "stop"))
            k.stop_process(p, sig)
            return
        k.emit(cpu, p.pid, "handle", (sig, "core dump" if action == "core" else "terminate"))
        k.exit_process(p, 0, sig)
        return


def run_handler(p: Proc, sig: int, entry: int) -> None:
    """Push a frame and jump to the handler; `sigreturn` pops it.

    A handled signal behaves as with SA_RESTART: a blocked wait, read, write or lock is
    retried after the handler, while sleep and pause return early."""
    resume = p.pc
    if p.wait_kind in ("sleep", "pause"):
        resume = p.pc + 1
        p.sleep_until = -1
    p.wait_kind = ""
    p.wait_on = None
    # everything the interrupted statement was in the middle of: the handler must not see
    # or finish it (a shared `+=` between load and store, the rest of a large pipe write)
    p.frames.append((resume, p.mask, p.remaining, p.paid, p.pending_store, p.write_rest))
    p.mask |= 1 << sig
    update_pending(p)
    p.remaining = 0
    p.paid = -1
    p.pending_store = None
    p.write_rest = None
    p.pc = entry


def sigreturn(p: Proc) -> None:
    p.pc, p.mask, p.remaining, p.paid, p.pending_store, p.write_rest = p.frames.pop()
    update_pending(p)


__all__ = ["send", "generate", "deliver", "force", "sigreturn", "update_pending", "READY"]
