"""The machine's terminal: what processes write to it is the scenario's `output`; reading it sees end of file.

The device (Linux's tty_struct) is one object; the description every `run` hands its processes
as fds 0, 1 and 2 is opened once at boot, as a login shell's descriptors are inherited by
everything it starts. Input, a foreground process group and a line discipline belong here.
"""

from __future__ import annotations

from procdsl.core.linux import O_RDWR
from procdsl.kernel.files.file import OpenFile


class Terminal:
    """The terminal device."""

    __slots__ = ("name",)

    def __init__(self, name: str = "tty1") -> None:
        self.name = name

    def __str__(self) -> str:
        return "terminal"


class TerminalFile(OpenFile):
    """A description open on the terminal (O_RDWR)."""

    __slots__ = ("tty",)
    kind = "terminal"

    def __init__(self, tty: Terminal, flags: int = O_RDWR) -> None:
        super().__init__(flags)
        self.tty = tty

    text = True                        # written as text: the `output` event carries it

    def read(self, k, p, fd: int, n: int) -> bytes:
        return b""                     # no one types: end of file at once

    def write(self, k, p, fd: int, text: str) -> int:
        k.emit(k.cpu_of(p), p.pid, "output", (fd, text))
        return len(text) if text.isascii() else len(text.encode())

    def name(self) -> str:
        return "terminal"
