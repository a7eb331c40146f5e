"""Signals as signal(7) describes them: generation, pending bits that do not queue, masks,
delivery at the return to user mode, handlers with their sigaction flags and masks, interrupted
calls, default actions, the SIGCHLD a parent gets when a child stops or continues, PID 1 rules."""

from __future__ import annotations

from procdsl.core.events import NO_PID
from procdsl.core.linux import (
    DEFAULT_ACTION,
    ERRNO,
    SA_NOCLDSTOP,
    SA_NODEFER,
    SA_RESETHAND,
    SA_RESTART,
    SIGCHLD,
    SIGCONT,
    SIGKILL,
    SIGSTOP,
    STOP_SIGNALS,
    UNCATCHABLE,
    WCONTINUED,
    WUNTRACED,
)
from procdsl.kernel.creds import may_kill
from procdsl.kernel.opsupport import RESUMED
from procdsl.kernel.pgroups import orphaned
from procdsl.kernel.process import IGN, READY, REAPED, RUNNING, SLEEPING, STOPPED, ZOMBIE, Proc

_STOP_MASK = sum(1 << s for s in STOP_SIGNALS)
_UNBLOCKABLE = (1 << SIGKILL) | (1 << SIGSTOP)
# synchronous faults are delivered before other pending signals (next_signal's SYNCHRONOUS_MASK)
_SYNC = (4, 5, 7, 8, 11, 31)
_SYNC_MASK = sum(1 << s for s in _SYNC)
DEFAULT_SA = (SA_RESTART, 0)     # a handler installed without `flags` or `mask`
# blocking calls a handler ends with EINTR whatever its flags (nanosleep, pause, sigsuspend:
# -ERESTARTNOHAND and friends), and those that SA_RESTART restarts instead (-ERESTARTSYS);
# `lock` is neither: pthread_mutex_lock resumes waiting after a handler (linux-fidelity.md)
ALWAYS_EINTR = frozenset(("sleep", "pause", "sigsuspend", "poll"))
RESTARTABLE = frozenset(("wait", "read", "write", "recv", "send", "accept", "connect"))


def update_pending(p: Proc) -> None:
    # a group exit under way is pending whatever the mask says now (complete_signal queued SIGKILL)
    p.sigpending = bool(p.pending & ~(p.mask & ~_UNBLOCKABLE)) or p.fatal != 0


def send(k, sender: Proc | None, target: Proc | None, sig: int) -> int:
    """kill(2): permission and PID 1 checks, then generation; `target` None: no such process. Returns 0 or an errno value."""
    if target is None or target.state == REAPED:
        k.emit(k.cpu_of(sender) if sender else -1, sender.pid if sender is not None else NO_PID, "signal",
               (NO_PID, sig, "no such process (ESRCH)", "process" if sender is not None else "outside"))
        return ERRNO["ESRCH"]
    if sender is not None and not may_kill(sender, target):
        k.emit(k.cpu_of(sender), sender.pid, "signal", (target.pid, sig, "not permitted (EPERM)", "process"))
        return ERRNO["EPERM"]
    return send_permitted(k, sender, target, sig)


def send_permitted(k, sender: Proc | None, target: Proc, sig: int) -> int:
    """kill(2) to a live `target` the sender may signal (`send` has checked both): PID 1's rules, then generation."""
    spid = sender.pid if sender is not None else NO_PID
    source = "process" if sender is not None else "outside"
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


def may_signal(sender: Proc, target: Proc) -> bool:
    """kill_ok_by_cred, by real, effective and saved uid (kernel/creds.py)."""
    return may_kill(sender, target)


def kill_all(k, sender: Proc, sig: int) -> int:
    """kill(-1, sig): every process but PID 1 and the sender, in creation order (for_each_process).

    As kill_something_info counts them, success needs only that some such process exists, even
    if the sender may signal none of them: those are skipped without a word (their EPERM is
    not reported); ESRCH when there is none. Each target is a unit of work toward max_events,
    so a loop of it ends at the limit."""
    count = 0
    root = sender.euid == 0         # may_kill's first rule, once for every target
    for q in tuple(k.procs.values()):
        if q.pid > 1 and q is not sender:
            count += 1
            # `send` less its checks: q is live (a reaped process has left `procs` and no
            # signal generated here reaps one) and the sender may signal it (checked here, once)
            if root or may_kill(sender, q):
                if sig and q.state != ZOMBIE:
                    # send_permitted's remaining rules are PID 1's, and q is not PID 1
                    generate(k, q, sig, sender=sender.pid)
                else:
                    send_permitted(k, sender, q, sig)
    k.nsteps += count
    return 0 if count else ERRNO["ESRCH"]


def generate(k, t: Proc, sig: int, sender: int, source: str = "process") -> None:
    """prepare_signal + complete_signal: make the signal pending and wake or interrupt the target.

    `source` is who sends it: a "process", the "outside" world, or the "kernel" itself."""
    state = t.state
    if state == ZOMBIE or state == REAPED:
        return
    bit = 1 << sig
    blocked = bool(t.mask & bit) and sig not in UNCATCHABLE
    handler = t.handlers.get(sig)
    default = DEFAULT_ACTION.get(sig) if handler is None else None      # the default action, when it applies
    stopped = state == STOPPED
    ignored = (handler == IGN or default == "ign" or default == "cont") and sig != SIGKILL and not blocked
    if t.pid == 1 and handler is None and source == "kernel" and default != "ign" and not blocked:
        # init gets no signal it has no handler for (sig_task_ignored); only forced faults kill it
        k.emit(-1, sender, "signal", (t.pid, sig, "dropped: PID 1 has no handler for it", source))
        return
    if t.report and (sig == SIGKILL or (not stopped and not blocked and default == "term")):
        forget_report(t)
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
            child_changed(k, t, -1)                # CLD_CONTINUED
    elif sig in STOP_SIGNALS:
        t.pending &= ~(1 << SIGCONT)
    if ignored:
        update_pending(t)          # a SIGCONT may have discarded the only pending signal
        return
    t.pending |= bit
    t.sigpending = bool(t.pending & ~(t.mask & ~_UNBLOCKABLE)) or t.fatal != 0      # update_pending, inline
    if blocked:
        return
    if (sig == SIGKILL or (default == "term" and not stopped)) and not t.fatal and t.pid != 1:
        # complete_signal: the first fatal signal a task that wants it gets starts the group
        # exit, so it dies of that one whatever else is or becomes pending (a stopped task does
        # not want a signal but SIGKILL: what reaches it waits for SIGCONT, lowest first)
        t.fatal = sig
    state = t.state
    if state == RUNNING:
        # the IPI may land before the target's next statement or after it (SIGNAL choice)
        if not (k.exploring and t.cpu is not k.current and k.chooser.flip(k, "signal", False, t.cpu.id, t.pid)):
            k.kick(t.cpu)
    elif state == SLEEPING:
        k.wake(t, "signal")
    elif state == STOPPED and sig == SIGKILL:
        t.state = SLEEPING
        k.wake(t, "SIGKILL")
    # DISK: uninterruptible, even a kill waits for the I/O; READY: acted on when it next runs


def child_changed(k, child: Proc, report: int) -> None:
    """do_notify_parent_cldstop: `child` stopped (report: the signal) or continued (−1). Its
    parent can learn it once from `wait` (untraced, continued) and gets SIGCHLD unless its
    SIGCHLD action has SA_NOCLDSTOP; a stop not yet waited for is forgotten when it continues."""
    parent = child.parent
    if parent is None or parent.builtin:
        return
    child.report = report
    if parent.changed is None:
        parent.changed = {}
    parent.changed[child.pid] = child
    sa = parent.sa.get(SIGCHLD) if parent.sa else None
    if sa is None or not sa[0] & SA_NOCLDSTOP:
        generate(k, parent, SIGCHLD, sender=NO_PID, source="kernel")
    if parent.wait_kind == "wait" and parent.state == SLEEPING \
            and parent.wait_on & (WUNTRACED if report > 0 else WCONTINUED):
        k.wake(parent, "child stopped" if report > 0 else "child continued")


def forget_report(t: Proc) -> None:
    """A signal that will kill `t` makes it a group exit (complete_signal sets
    SIGNAL_GROUP_EXIT over SIGNAL_STOP_CONTINUED): a wait sees its death, not the stop or
    continue it had not reported yet."""
    t.report = 0
    if t.parent is not None and t.parent.changed:
        t.parent.changed.pop(t.pid, None)


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
    """At the return to user mode: end a group exit with the signal that started it (the first
    fatal one sent); else act on every pending, unblocked signal, faults first, then the lowest
    number. A handled one gets a frame on top of the frames set up before it, so the handler set
    up last runs first (the highest number, unless a handler's mask holds the
    others back); a default action that ends or stops the process ends the loop."""
    while p.sigpending and p.cpu is not None:
        if p.fatal:
            sig = p.fatal
            p.pending &= ~(1 << sig)
            k.emit(p.cpu.id, p.pid, "handle", (sig, "killed" if sig == SIGKILL else "terminate"))
            k.exit_process(p, 0, sig)
            return
        ready = p.pending & ~(p.mask & ~_UNBLOCKABLE)
        if not ready:
            p.sigpending = False
            return
        if ready & _SYNC_MASK:
            sig = next(s for s in _SYNC if ready & (1 << s))
        else:
            sig = (ready & -ready).bit_length() - 1
        p.pending &= ~(1 << sig)
        p.sigpending = bool(ready & ~(1 << sig))    # update_pending, knowing p.fatal is 0 and the mask unchanged
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
            run_handler(p, sig, handler, k.now)
            continue
        action = DEFAULT_ACTION.get(sig, "term")
        forced = p.forced & (1 << sig)
        p.forced &= ~(1 << sig)
        if action in ("ign", "cont") or (p.pid == 1 and not forced):
            continue
        if action == "stop" and sig != SIGSTOP and orphaned(k, p.pgid):
            k.emit(cpu, p.pid, "handle", (sig, "discarded: orphaned process group"))
            continue                  # job-control stops do nothing in an orphaned group (get_signal)
        if action == "stop":
            k.emit(cpu, p.pid, "handle", (sig, "stop"))
            k.stop_process(p, sig)
            return
        if action == "core":
            k.emit(cpu, p.pid, "handle", (sig, k.core_action))
            k.exit_process(p, 0, sig, k.dumps_core)
            return
        k.emit(cpu, p.pid, "handle", (sig, "terminate"))
        k.exit_process(p, 0, sig)
        return


def run_handler(p: Proc, sig: int, entry: int, now: int) -> None:
    """Push a frame and jump to the handler; `sigreturn` pops it.

    The frame keeps everything the interrupted statement was in the middle of, so the handler
    neither sees nor finishes it (a shared `+=` between load and store, the rest of a large
    pipe write, a sleep's end). A blocking call resumes at its own statement, which then
    either waits again (SA_RESTART) or fails with EINTR (`p.eintr`, restored from the frame);
    a pipe write that has put some bytes in returns their count, whatever the flags
    (pipe_write gives what it wrote when a signal is pending; exp17).
    An interrupted sleep keeps, in place of its end, the time it had left now: nanosleep
    reports it as it returns, before the handler runs."""
    sa = p.sa.get(sig) if p.sa else None
    flags, sa_mask = sa if sa is not None else DEFAULT_SA
    kind = p.wait_kind
    eintr = bool(kind) and (kind in ALWAYS_EINTR or (kind in RESTARTABLE and not flags & SA_RESTART)
                            or (kind == "write" and p.write_rest is not None and p.write_rest.sent > 0))
    saved = p.saved_mask if p.saved_mask >= 0 else p.mask      # sigsuspend restores the mask it replaced
    sleep = max(0, p.sleep_until - now) if kind == "sleep" else p.sleep_until
    p.frames.append((p.pc, saved, p.remaining, p.paid, p.pending_store, p.write_rest, eintr, sleep))
    if flags & SA_RESETHAND:
        del p.handlers[sig]
    p.saved_mask = -1
    p.wait_kind = ""
    p.wait_on = None
    p.eintr = False
    p.sleep_until = -1
    p.mask |= sa_mask if flags & SA_NODEFER else sa_mask | 1 << sig
    p.sigpending = bool(p.pending & ~(p.mask & ~_UNBLOCKABLE)) or p.fatal != 0      # update_pending, inline
    p.remaining = 0
    p.paid = -1
    p.pending_store = None
    p.write_rest = None
    p.pc = entry


def sigreturn(k, p: Proc, op) -> str:
    """The handler's last statement (an op, kernel/code.py): pop the frame run_handler pushed."""
    p.pc, p.mask, p.remaining, p.paid, p.pending_store, p.write_rest, p.eintr, p.sleep_until = p.frames.pop()
    p.sigpending = bool(p.pending & ~(p.mask & ~_UNBLOCKABLE)) or p.fatal != 0      # update_pending, inline
    return RESUMED


def sigaction(p: Proc, sig: int, sa: tuple[int, int] | None) -> None:
    """Record a signal's sa_flags and sa_mask; None is the default (SA_RESTART, empty mask)."""
    if sa is None:
        if p.sa:
            p.sa.pop(sig, None)
    else:
        if p.sa is None:
            p.sa = {}
        p.sa[sig] = sa


__all__ = ["send", "may_signal", "kill_all", "generate", "deliver", "force", "sigreturn", "sigaction", "child_changed",
           "update_pending", "READY"]
