"""The host: its C compiler, what it lets a run do (a PID namespace needs root), and one bounded run of a binary.

Every step has a bound: the compiler gets COMPILE_SECONDS, a run its deadline plus a
grace period of wall-clock time, its output and record RLIMIT_FSIZE bytes, and its
processes MAX_PROCESSES (RLIMIT_NPROC for non-root users, the runtime's own fork counter
for root, whom RLIMIT_NPROC does not bind).
"""

from __future__ import annotations

import os
import shutil
import signal
import struct
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

COMPILE_SECONDS = 60
OUTPUT_BYTES = 8 << 20
MAX_PROCESSES = 400
GRACE_SECONDS = 5.0
CFLAGS = ("-std=gnu11", "-O0", "-pthread", "-w")


class HostError(Exception):
    """The host cannot do what was asked: no compiler, a compile error, a run past every bound."""


def compiler() -> Optional[str]:
    """The system's C compiler: $CC, else cc, else gcc or clang."""
    for name in (os.environ.get("CC"), "cc", "gcc", "clang"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def namespace_refusal() -> Optional[str]:
    """Why this host cannot give the run a PID namespace, or None if it can."""
    if not hasattr(os, "geteuid") or not Path("/proc/self/status").exists():
        return "not a Linux host with /proc"
    if os.geteuid() != 0:
        return "making a PID namespace needs root (unshare(CLONE_NEWPID) is refused otherwise)"
    return None


def build(source: str, workdir: Path, cc: str) -> Path:
    c_file, binary = workdir / "scenario.c", workdir / "scenario"
    c_file.write_text(source, encoding="utf-8")
    proc = subprocess.Popen([cc, *CFLAGS, str(c_file), "-o", str(binary), "-lm"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    boost(proc.pid, -10)            # ahead of the host's other work
    try:
        errors, _ = proc.communicate(timeout=COMPILE_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise HostError(f"{cc} took more than {COMPILE_SECONDS} s to compile the scenario") from None
    if proc.returncode != 0:
        raise HostError(f"{cc} could not compile the generated program (a procdsl bug):\n{errors[:2000]}")
    return binary


def boost(pid: int, nice: int) -> None:
    """Give a process's session (its autogroup) this nice value, above the host's other work (root only)."""
    if os.geteuid() != 0:
        return
    try:
        with open(f"/proc/{pid}/autogroup", "w") as f:
            f.write(str(nice))
    except OSError:
        pass


@dataclass
class RunFiles:
    records: list[str]
    terminal: str
    wall: float
    namespace: bool


def run(binary: Path, workdir: Path, *, scale: int, deadline_ns: int, cpus: Sequence[int],
        namespace: bool, boost: bool, tag: str = "") -> RunFiles:
    """One run of the scenario, bounded in time, processes and output."""
    log, shared, term = workdir / f"records{tag}", workdir / f"shared{tag}", workdir / f"terminal{tag}"
    log.write_text("")
    shared.write_bytes(struct.pack("<3q", 0, MAX_PROCESSES, 0).ljust(4096, b"\0"))
    for path in (log, shared):               # a `run ... uid N` process writes them too
        path.chmod(0o666)
    workdir.chmod(0o755)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PD_LOG": str(log), "PD_SHARED": str(shared),
           "PD_SCALE": str(scale), "PD_DEADLINE": str(deadline_ns), "PD_CPUS": ",".join(map(str, cpus)),
           "PD_FSIZE": str(OUTPUT_BYTES), "PD_NPROC": str(_user_processes() + MAX_PROCESSES)}
    if boost:
        env["PD_BOOST"] = "1"
    if not namespace:
        env["PD_NO_NAMESPACE"] = "1"
    wall = deadline_ns * scale / 1e9 + GRACE_SECONDS
    began = time.monotonic()
    with open(term, "wb") as out, open(os.devnull, "rb") as null:
        proc = subprocess.Popen([str(binary)], stdin=null, stdout=out, stderr=out, env=env, cwd=workdir,
                                start_new_session=True)
        try:
            proc.wait(timeout=wall)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise HostError(f"the run did not end within {wall:.1f} s of wall-clock time") from None
    elapsed = time.monotonic() - began
    text = term.read_bytes()
    if len(text) >= OUTPUT_BYTES:
        raise HostError(f"the run wrote more than {OUTPUT_BYTES} bytes to its terminal")
    records = log.read_text(encoding="utf-8", errors="replace").splitlines()
    return RunFiles(records, text.decode("utf-8", "replace"), elapsed,
                    namespace and not any(" note no-namespace " in r for r in records))


def _user_processes() -> int:
    """How many processes this user has already: RLIMIT_NPROC counts them all."""
    uid, n = os.getuid(), 0
    with os.scandir("/proc") as entries:
        for entry in entries:
            if entry.name.isdigit():
                try:
                    n += entry.stat().st_uid == uid
                except OSError:
                    pass
    return n
