"""Process lifecycle: PIDs, creation by `run` and fork, exit, re-parenting, reaping, file references."""

from __future__ import annotations

from heapq import heapify, heappop, heappush
from typing import Any

from procdsl.core.events import NO_PID
from procdsl.core.linux import ERRNO, RESERVED_PIDS, SA_NOCLDWAIT, SIGCHLD, SIGKILL, weight
from procdsl.kernel import creds, jobctl, memory, mmap, ops_exec, signals, timers
from procdsl.kernel.files import fdtable
from procdsl.kernel.files.pipe import new_pipe
from procdsl.kernel.opsupport import compile_program_expr
from procdsl.kernel.process import IGN, READY, REAPED, SLEEPING, ZOMBIE, Cpu, LimitReached, Proc
from procdsl.kernel.runqueue import RunQueues
from procdsl.kernel.scheduler.base import NEW
from procdsl.kernel.scheduler.rt import RealTime
from procdsl.kernel.stdio import copy_line_buffers, copy_streams


class Lifecycle(RunQueues):
    """Kernel methods that create, end and account for processes (a link of Kernel's chain)."""

    __slots__ = ()

    def alloc_pid(self) -> int:
        """Cyclic, as alloc_pid: the next free number; wrap to 300 (or 1 on small machines)."""
        if len(self.procs) >= self.pids_full:
            return -1          # no PID was freed since the last search found none: no need to search again
        pid_max = self.pid_max
        start = self.last_pid + 1
        low = RESERVED_PIDS if self.last_pid >= RESERVED_PIDS and pid_max > RESERVED_PIDS else 1
        candidate = start if start < pid_max else low
        for _ in range(pid_max):
            if candidate not in self.procs:
                self.last_pid = candidate
                return candidate
            candidate += 1
            if candidate >= pid_max:
                candidate = low
        # every PID in use: a fork bomb at pid_max would otherwise search all of them per fork
        self.pids_full = len(self.procs)
        return -1

    def new_proc(self, label: str) -> Proc | None:
        if self.nprocs >= self.limits.max_processes:
            raise LimitReached("max_processes", self.limits.max_processes)
        pid = self.alloc_pid()
        if pid < 0:
            return None
        self.nprocs += 1
        p = Proc(pid, self.nprocs)
        p.label = label
        same = self.by_label.setdefault(label, [])
        p.index = len(same)
        same.append(pid)
        self.label_names[pid] = label if p.index == 0 and label != "" else f"{label}[{p.index}]"
        self.procs[pid] = p
        p.created = self.now
        return p

    def _start_init(self) -> None:
        prog = self.plan.init
        p = self.new_proc(prog or "init")
        assert p is not None and p.pid == 1
        self.label_names[1] = p.label
        self.init = p
        p.cmd = prog or "init"
        p.fds = self.terminal_fds()
        p.sid = 1
        self.groups.join(p, 1)
        self.emit(-1, 1, "spawn", (0, p.label, 0, p.cmd, 0, 0))
        if prog is not None:                 # a container's PID 1 gets the terminal (docker run -it)
            p.ctty = self.tty
            self.tty.set_foreground(self, 1, 1, 1)
        if prog is None:
            p.builtin = True
            p.state = SLEEPING
            p.wait_kind = "wait"
            self.emit(-1, 1, "block", ("S", "wait (the built-in init reaps every child)"))
        else:
            p.code = self.programs[prog]
            self.make_runnable(p, None, NEW)

    def _spawn_event(self, start: Any, _: Any) -> None:
        self.pending_spawns -= 1
        init = self.init
        n = len(start.programs)
        pipes = [new_pipe(self) for _i in range(n - 1)]       # (read end, write end), held by the creator
        self.jobs.append(0)
        job = len(self.jobs)
        leader = 0
        for i, (prog, label) in enumerate(zip(start.programs, start.labels)):
            p = self.new_proc(label)
            if p is None:
                self.emit(-1, NO_PID, "fail", ("run " + prog, ERRNO["EAGAIN"]))
                continue
            self.attach(init, p)
            p.cmd = prog
            p.code = self.programs[prog]
            p.nice = start.nice
            p.weight = weight(start.nice)
            creds.start(p, start.uid, start.gid if start.gid is not None else start.uid, start.groups)
            p.affinity = start.cpus
            p.rt = start.rt
            if start.tickets is not None:
                p.tickets = start.tickets
            p.wset = start.working_set
            p.burst = start.burst if start.burst is not None else (self.programs[prog].burst or 0)
            p.fds = self.terminal_fds()
            if i > 0:
                fdtable.dup_onto(self, p, pipes[i - 1][0], 0)
            if i < n - 1:
                fdtable.dup_onto(self, p, pipes[i][1], 1)
            args = start.args[i] if i < len(start.args) else ()
            p.args = tuple(f(p) for f in (load_arg(a) for a in args))
            self.alive += 1
            self.emit(-1, p.pid, "spawn", (1, label, p.index, prog, p.nice, p.uid))
            env = start.env[i] if i < len(start.env) else ()
            ops_exec.spawned(self, p, prog, ops_exec.environment(tuple(load_arg(e)(p) for e in env), start.span))
            leader = leader or p.pid
            self._login_job(p, job, leader, start.login)
            if p.rt is not None and self.sched is self.policy:
                # the first real-time task: the rt classes stand between the kernel and the
                # policy from now on, and only then (children inherit rt; nothing else sets it)
                self.sched = RealTime(self.policy)
            self.sched.fork(init, p, None)
            self.make_runnable(p, None, NEW)
        # the pipes were held only by the processes; drop the creator's references
        for rend, wend in pipes:
            fdtable.drop(self, rend)
            fdtable.drop(self, wend)

    def _login_job(self, p: Proc, job: int, leader: int, login: bool) -> None:
        """The login shell puts the job in a group of its own (a pipeline's stages in the first one's),
        in its session; a job started while no other holds the terminal gets the foreground. With
        `login` the process leads a session of its own instead, and takes a free terminal."""
        p.login = job
        p.sid = jobctl.LOGIN_SID
        self.groups.join(p, leader)
        self.jobs[job - 1] += 1
        tty = self.tty
        if login:
            p.sid = p.pid
            self.emit(-1, p.pid, "setsid", (p.pid,))
            if tty.sid == -1 and not tty.hung:
                p.ctty = tty
                tty.set_foreground(self, p.pid, p.pid, p.pid)
            return
        if p.pid != leader:
            self.emit(-1, NO_PID, "setpgid", (p.pid, leader))
        if tty.sid == -1 and not tty.hung:
            tty.sid = jobctl.LOGIN_SID
        if tty.sid == jobctl.LOGIN_SID:
            p.ctty = tty
            if tty.pgrp <= 0:
                tty.set_foreground(self, NO_PID, jobctl.LOGIN_SID, leader)

    def _login_job_ended(self, p: Proc) -> None:
        """When the last process of a `run` job has exited, the login shell takes the terminal back."""
        self.jobs[p.login - 1] -= 1
        tty = self.tty
        if not self.jobs[p.login - 1] and tty.sid == jobctl.LOGIN_SID and tty.pgrp > 0 \
                and self.groups.session_of(tty.pgrp) in (None, jobctl.LOGIN_SID):
            tty.set_foreground(self, NO_PID, jobctl.LOGIN_SID, 0)

    def _leader_exits(self, p: Proc) -> None:
        """A session leader exits (disassociate_ctty(1) on a pty): SIGHUP to the foreground group, and
        the session loses its terminal."""
        tty = self.tty
        if tty.sid != p.pid:
            return
        pgrp = tty.pgrp
        if pgrp > 0:
            jobctl.kill_group(self, None, pgrp, 1)
        tty.release(self, NO_PID)

    def terminal_fds(self) -> list:
        """fds 0, 1 and 2 on the terminal description opened at boot, as a login shell hands them on."""
        f = self.tty_file
        f.refs += 3
        return [f, f, f]

    def wake_all(self, waiters: list, why: str, on: Any = None) -> None:
        """Wake every task on `waiters`; `why` is followed by `on` (a pipe, a socket) in the
        trace, named only when someone is woken."""
        if waiters:
            if on is not None:
                why += str(on)
            batch = list(waiters)
            waiters.clear()
            for q in batch:
                self.wake(q, why)

    def fork(self, parent: Proc, label: str | None) -> Proc | None:
        child = self.new_proc(label if label is not None else parent.label)
        if child is None:
            return None
        self.attach(parent, child)
        child.cmd = parent.cmd
        child.code = parent.code
        child.pc = parent.pc
        child.vars = dict(parent.vars)
        child.args = parent.args
        child.nice = parent.nice
        child.weight = parent.weight
        creds.copy(parent, child)
        child.env = parent.env
        child.handlers = dict(parent.handlers)
        child.sa = dict(parent.sa) if parent.sa else None
        child.mask = parent.mask
        child.errno = parent.errno          # errno is the C library's memory, and fork copies memory
        if parent.frames:                   # forked inside a handler; else the child keeps its own empty list
            child.frames = list(parent.frames)
        child.sid = parent.sid
        child.ctty = parent.ctty
        child.pgid = pgid = parent.pgid
        self.groups.members[pgid][child.pid] = child      # Groups.join, inline: every fork comes here
        fdtable.fork_copy(parent, child)
        if parent.linebuf:
            child.linebuf = copy_line_buffers(parent.linebuf)
        if parent.stdio:
            child.stdio = copy_streams(parent.stdio)
        if parent.heap:                     # else the child keeps its own empty heap
            child.heap = memory.share(parent.heap)
        if parent.mm is not None:
            mmap.fork_copy(self, parent, child)
        child.affinity = parent.affinity
        child.rt = parent.rt
        child.tickets = parent.tickets
        child.wset = parent.wset
        child.burst = parent.burst
        self.alive += 1
        self.emit(self.cpu_of(parent), parent.pid, "fork", (child.pid, child.label, child.index))
        self.sched.fork(parent, child, parent.cpu)
        self.make_runnable(child, parent.cpu, NEW)
        return child

    def attach(self, parent: Proc, child: Proc) -> None:
        """`child` joins the end of `parent`'s list of children (list_add_tail at fork,
        list_move_tail at adoption), the order in which wait looks at them."""
        child.parent = parent
        parent.children[child.pid] = child
        self.next_sib += 1
        child.seq = self.next_sib

    def exit_process(self, p: Proc, code: int, sig: int = 0, core: bool = False) -> None:
        # A running task keeps its CPU until the next task is picked, so that a parent woken
        # by this exit is queued behind it instead of being dispatched onto a CPU in use.
        cpu: Cpu | None = p.cpu
        if cpu is None and p.state == READY:
            self.remove_queued(p)
        p.state = ZOMBIE
        p.exit_code = code & 0xFF
        p.exit_signal = sig
        p.core = core
        p.remaining = 0
        self.emit(cpu.id if cpu else -1, p.pid, "exit", (p.exit_code, sig, core))
        if p.itimers is not None:
            timers.cancel(p)
        if p.report:                  # a stop or continue nobody waited for: the exit replaces it
            p.report = 0
            if p.parent.changed:
                p.parent.changed.pop(p.pid, None)
        self.sched.exited(p)
        if p.sid == p.pid and p.pid != 1:          # PID 1's end SIGKILLs everyone anyway
            self._leader_exits(p)
        fdtable.close_all(self, p)
        if p.heap:
            memory.release(p.heap)
        if p.mm is not None:
            mmap.release(self, p)
        if p.wait_kind == "lock" and p.wait_on is not None and p in p.wait_on.waiters:
            p.wait_on.waiters.remove(p)
        if p.pid == 1:
            if cpu is not None:
                self.leave_cpu(cpu, p)
            self._init_exited(p, cpu)
            return
        self.alive -= 1
        orphans = list(p.children.values()) if p.children else ()
        if orphans:
            reaper = self.find_reaper(p)
            for child in orphans:
                self.reparent(child, reaper)
        parent: Proc | None = p.parent
        if orphans or p.login or (parent is not None and parent.pgid != p.pgid):
            jobctl.on_exit(self, p, orphans)      # only then can the exit orphan a group
        if orphans:
            for child in orphans:
                if child.state == ZOMBIE:
                    self.notify_parent(child)
            p.children.clear()
        p.zombies.clear()
        if p.login:
            self._login_job_ended(p)
        p.zombie_order.clear()
        p.changed = None
        self.notify_parent(p)
        if cpu is not None:
            self.leave_cpu(cpu, p)
            self.schedule(cpu, p, "exit")
        if self.alive == 0 and self.pending_spawns == 0 and self.init.builtin and not self.stopped:
            self.stopped = "done"

    def _init_exited(self, p: Proc, cpu: Cpu | None) -> None:
        """PID 1 is gone: the kernel SIGKILLs every other process and the machine stops."""
        for q in list(self.procs.values()):
            if q is not p and q.alive:
                self.emit(-1, NO_PID, "signal", (q.pid, SIGKILL, "PID 1 exited", "kernel"))
                if q.cpu is not None:
                    self.leave_cpu(q.cpu, q)
                elif q.state == READY:
                    self.remove_queued(q)
                q.state = ZOMBIE
                q.exit_signal = SIGKILL
                self.emit(-1, q.pid, "exit", (0, SIGKILL, False))
        self.stopped = "init exited"

    def find_reaper(self, p: Proc) -> Proc:
        anc = p.parent
        while anc is not None and anc.pid != 1:
            if anc.subreaper and anc.alive:
                return anc
            anc = anc.parent
        return self.procs[1]

    def reparent(self, child: Proc, new_parent: Proc) -> None:
        self.attach(new_parent, child)
        if child.report and not new_parent.builtin:       # a stop not yet waited for stays to be seen
            if new_parent.changed is None:
                new_parent.changed = {}
            new_parent.changed[child.pid] = child
        self.emit(-1, child.pid, "reparent", (new_parent.pid,))

    def notify_parent(self, child: Proc) -> None:
        """do_notify_parent: SIGCHLD, unless the parent ignores it explicitly; with SIG_IGN or
        SA_NOCLDWAIT the kernel reaps the child at once (autoreap) instead of leaving a zombie."""
        parent: Proc = child.parent          # typed: the compiled kernel reads its fields directly
        if parent.builtin:
            self.reap(parent, child)
            return
        ignored = parent.handlers.get(SIGCHLD) == IGN
        if not ignored:
            signals.generate(self, parent, SIGCHLD, sender=NO_PID, source="kernel")
        sa = parent.sa.get(SIGCHLD) if parent.sa else None
        if ignored or (sa is not None and sa[0] & SA_NOCLDWAIT):
            self.reap(parent, child)
            if parent.wait_kind == "wait" and parent.state == SLEEPING:
                self.wake(parent, "child reaped by the kernel")   # wait looks again: ECHILD or block
            return
        parent.zombies[child.pid] = child
        heappush(parent.zombie_order, (child.seq, child.pid))
        if parent.wait_kind == "wait" and parent.state == SLEEPING:
            self.wake(parent, "child exited")

    def first_zombie(self, p: Proc) -> Proc | None:
        """p's zombie child first in its list of children (the one wait(2) takes), in O(log n):
        entries of children reaped or moved meanwhile are dropped as they reach the top."""
        zombies, order = p.zombies, p.zombie_order
        if len(order) < len(zombies):        # filled by a path that did not go through notify_parent
            order[:] = [(z.seq, pid) for pid, z in zombies.items()]
            heapify(order)
        while order:
            seq, pid = order[0]
            z = zombies.get(pid)
            if z is not None and z.seq == seq:
                return z
            heappop(order)
        return None

    def reap(self, parent: Proc, child: Proc) -> None:
        self.groups.leave(child)
        child.state = REAPED
        parent.children.pop(child.pid, None)
        parent.zombies.pop(child.pid, None)
        self.procs.pop(child.pid, None)
        self.emit(self.cpu_of(parent), parent.pid, "reap", (child.pid,))


def load_arg(expr: Any) -> Any:
    return compile_program_expr(expr)
