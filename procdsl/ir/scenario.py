"""The IR of a scenario around its programs (machine, runs, timed inputs, the `files` block), and of a whole file."""

from typing import Literal, Optional, Union

from procdsl.ir.expects import Expect
from procdsl.ir.exprs import Expr, ProcRef, SigRef
from procdsl.ir.node import Node
from procdsl.ir.span import Span
from procdsl.ir.stmts import EnvVar, Program


class Setting(Node):
    kind: Literal["setting"] = "setting"
    name: str
    value: Union[bool, int, float, str, tuple[int, ...]]
    value_type: str
    value_span: Span
    settings: "tuple[Setting, ...]" = ()


class Machine(Node):
    kind: Literal["machine"] = "machine"
    settings: tuple[Setting, ...]


class RunStage(Node):
    kind: Literal["stage"] = "stage"
    program: str
    args: tuple[Expr, ...]


class RunOption(Node):
    kind: Literal["option"] = "option"
    name: str
    value: Union[int, str, tuple[Union[int, str], ...], Expr, tuple[EnvVar, ...]]


class Run(Node):
    kind: Literal["run"] = "run"
    stages: tuple[RunStage, ...]
    options: tuple[RunOption, ...]


class SendAt(Node):
    kind: Literal["send_at"] = "send_at"
    time: Expr
    signal: SigRef
    target: ProcRef


class TtyAt(Node):
    """`at T type TEXT`, `at T press KEY`, `at T hangup`."""

    kind: Literal["tty_at"] = "tty_at"
    time: Expr
    action: Literal["type", "press", "hangup"]
    text: str = ""
    text_span: Optional[Span] = None


class InitDecl(Node):
    kind: Literal["init"] = "init"
    program: str


class Until(Node):
    kind: Literal["until"] = "until"
    time: Expr


class FsEntry(Node):
    """`file PATH TEXT [owner N] [group N] [mode OCTAL]`, `dir PATH ...` or `program PATH NAME ...`
    (the file holds that program; `text` is its name) in a `files` block."""

    kind: Literal["file", "dir", "program"]
    path: str
    path_span: Span
    text: str = ""
    owner: Optional[int] = None
    group: Optional[int] = None
    mode: Optional[str] = None           # as written: octal digits
    mode_span: Optional[Span] = None
    program_span: Optional[Span] = None     # `program PATH NAME`: where NAME is written


class Files(Node):
    kind: Literal["files"] = "files"
    entries: tuple[FsEntry, ...] = ()


class Scenario(Node):
    kind: Literal["scenario"] = "scenario"
    title: str
    machine: Optional[Machine] = None
    programs: tuple[Program, ...] = ()
    init: Optional[InitDecl] = None
    runs: tuple[Run, ...] = ()
    sends: tuple[SendAt, ...] = ()
    tty: tuple[TtyAt, ...] = ()
    until: Optional[Until] = None
    files: Optional[Files] = None
    expects: tuple[Expect, ...] = ()


class Use(Node):
    kind: Literal["use"] = "use"
    path: Optional[str] = None      # None: `use submission`


class File(Node):
    kind: Literal["file"] = "file"
    path: str
    uses: tuple[Use, ...] = ()
    programs: tuple[Program, ...] = ()
    scenarios: tuple[Scenario, ...] = ()
