"""Worker processes that run grading tasks under a wall-clock limit and resource limits.

Each worker is a fresh interpreter (`python -m procdsl.grading.sandbox`, the equivalent of
multiprocessing's "spawn") that reads pickled tasks on stdin and answers on stdout. A plain
child process rather than multiprocessing.Process, because a Dask worker is a daemonic
process and multiprocessing forbids daemonic processes to have children; this way the
local and the Dask paths isolate scenarios the same way. A worker is reused for many
tasks (an interpreter costs ~0.5 s to start) but is killed and replaced as soon as a task
overruns its limit or the worker dies, so that costs only the task in hand.
"""

from __future__ import annotations

import gc
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any, Optional

DEFAULT_TIMEOUT = 20.0          # seconds of wall clock per task (one scenario, or compiling a submission)
DEFAULT_MEMORY_MB = 2048        # address space per worker
DEFAULT_TASKS_PER_WORKER = 2000  # a fresh interpreter now and then bounds what a leak could accumulate
# (a worker held 89-97 MB resident from its 341st task to its 1,891st: docs/performance.md)

STARTUP_TIMEOUT = 60.0         # seconds for a fresh interpreter to import procdsl, on a loaded machine
_HEADER = struct.Struct("!Q")
_READY = b"procdsl-worker-ready\n"


@dataclass(frozen=True)
class Limits:
    timeout: float = DEFAULT_TIMEOUT
    memory_mb: int = DEFAULT_MEMORY_MB
    tasks_per_worker: int = DEFAULT_TASKS_PER_WORKER


DEFAULT_LIMITS = Limits()


class TaskFailed(Exception):
    """The task did not finish: `kind` is "timeout", "crashed" or "error"."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind, self.detail = kind, detail


class _Worker:
    def __init__(self, limits: Limits) -> None:
        env = dict(os.environ, PYTHONHASHSEED="0", PROCDSL_WORKER_MEMORY_MB=str(limits.memory_mb))
        self.proc = subprocess.Popen([sys.executable, "-m", "procdsl.grading.sandbox"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                                     cwd=os.getcwd(), start_new_session=True)
        self.tasks = 0
        # Wait for the worker's imports, so a task's wall-clock limit measures the task alone.
        try:
            ready = self._read(len(_READY), time.monotonic() + STARTUP_TIMEOUT)
        except TaskFailed:
            self.kill()
            raise
        if ready != _READY:
            self.kill()
            raise TaskFailed("crashed", "the worker did not start")

    def call(self, name: str, args: tuple, timeout: float) -> Any:
        self.tasks += 1
        data = pickle.dumps((name, args), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self.proc.stdin.write(_HEADER.pack(len(data)) + data)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise TaskFailed("crashed", self._death()) from None
        deadline = time.monotonic() + timeout
        header = self._read(_HEADER.size, deadline)
        status, value = pickle.loads(self._read(_HEADER.unpack(header)[0], deadline))
        if status == "error":
            raise TaskFailed("error", value)
        return value

    def _read(self, n: int, deadline: float) -> bytes:
        fd, chunks, got = self.proc.stdout.fileno(), [], 0
        while got < n:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TaskFailed("timeout", "")
            chunk = os.read(fd, min(n - got, 1 << 20))
            if not chunk:
                raise TaskFailed("crashed", self._death())
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def _death(self) -> str:
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "the worker stopped answering"
        if code < 0:
            return f"the worker was killed by signal {-code}"
        return f"the worker exited with status {code}"

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, 9)     # its own session: nothing it started outlives it
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass

    def hang_up(self) -> None:
        """No more tasks: the worker exits once it reads the end of its input."""
        try:
            self.proc.stdin.close()
        except OSError:
            pass

    def close(self) -> None:
        try:
            self.hang_up()
            self.proc.wait(timeout=5)
            self.proc.stdout.close()
        except (OSError, subprocess.TimeoutExpired):
            self.kill()


class Pool:
    """Up to `size` workers shared by the grader's threads; `call` blocks until a worker answers."""

    def __init__(self, size: int, limits: Limits = DEFAULT_LIMITS) -> None:
        self.size, self.limits = max(1, size), limits
        self._idle: list[_Worker] = []
        self._all: list[_Worker] = []
        self._slots = threading.Semaphore(self.size)
        self._lock = threading.Lock()
        self._closed = False
        self._mine = threading.local()

    def call(self, name: str, *args: Any, timeout: Optional[float] = None) -> Any:
        with self._slots:
            with self._lock:
                worker = self._take_idle()
            if worker is None:
                worker = _Worker(self.limits)
                with self._lock:
                    self._all = [w for w in self._all if w.proc.poll() is None] + [worker]
            try:
                value = worker.call(name, args, self.limits.timeout if timeout is None else timeout)
            except TaskFailed as failed:
                if failed.kind != "error":
                    worker.kill()
                    worker = None
                raise
            finally:
                if worker is not None:
                    if worker.tasks >= self.limits.tasks_per_worker or self._closed:
                        worker.close()
                    else:
                        with self._lock:
                            self._idle.append(worker)
                        self._mine.worker = worker
            return value

    def _take_idle(self) -> Optional[_Worker]:
        # The worker this thread used last, if it is free: a submission's scenarios then run where
        # its first runaway run is remembered (grading/alike.py); any idle worker gives the same result.
        last = getattr(self._mine, "worker", None)
        if last in self._idle:
            self._idle.remove(last)
            return last
        return self._idle.pop() if self._idle else None

    def busy_pids(self) -> list[int]:
        """Process ids of workers now running a task (for monitoring, and for tests that kill one)."""
        with self._lock:
            return [w.proc.pid for w in self._all if w not in self._idle and w.proc.poll() is None]

    def close(self) -> None:
        self._closed = True
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.hang_up()           # all of them first, so that they end at the same time
        for worker in idle:
            worker.close()

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _limit_resources() -> None:
    try:
        import resource
    except ImportError:          # not on this platform: the wall-clock limit still holds
        return
    mb = int(os.environ.get("PROCDSL_WORKER_MEMORY_MB", DEFAULT_MEMORY_MB))
    if mb > 0:
        resource.setrlimit(resource.RLIMIT_AS, (mb << 20, mb << 20))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _serve() -> None:
    """The worker's loop: one pickled (task, args) in, one pickled (status, value) out."""
    _limit_resources()
    from procdsl.grading import tasks
    table = {"prepare": tasks.prepare, "run": tasks.run}
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr           # nothing printed by mistake may corrupt the answers
    out.write(_READY)
    out.flush()
    while True:
        header = inp.read(_HEADER.size)
        if len(header) < _HEADER.size:
            # the grader is done with this worker and waits for it to end: spare the interpreter's
            # last collections a walk over every object it made (its teardown frees them anyway)
            gc.freeze()
            return
        name, args = pickle.loads(inp.read(_HEADER.unpack(header)[0]))
        try:
            answer = ("ok", table[name](*args))
        except MemoryError:
            answer = ("error", f"the task ran out of its {os.environ.get('PROCDSL_WORKER_MEMORY_MB')} MB of memory")
        except RecursionError:
            answer = ("error", "the task nested too deeply")
        except Exception as exc:  # noqa: BLE001 - the grader decides what a failed task costs
            answer = ("error", f"internal error in procdsl ({type(exc).__name__}: {exc})")
        data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        out.write(_HEADER.pack(len(data)) + data)
        out.flush()


if __name__ == "__main__":
    _serve()
