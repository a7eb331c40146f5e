"""Scenarios 54-62 pass on procdsl's kernel and fail on a kernel that gets their one idea wrong."""

from __future__ import annotations

import pytest
from helpers import ROOT, interpreted_kernel

from procdsl.kernel import code, lifecycle, ops_proc
from procdsl.kernel.files import fdtable, fs, regular
from procdsl.kernel.files.regular import RegularFile
from procdsl.pipeline import check_path

SCENARIOS = ROOT / "scenarios"


def results(name: str) -> list:
    (path,) = SCENARIOS.glob(f"{name}_*.proc")
    found = check_path(str(path))
    assert not found.diagnostics
    return found.scenarios


def _fork_copies_descriptions(parent, child) -> None:
    fdtable.fork_copy.__wrapped__(parent, child)
    for fd, f in enumerate(child.fds):
        if isinstance(f, RegularFile):
            clone = RegularFile(f.inode, f.flags, f.path)
            clone.pos = f.pos
            f.refs -= 1
            child.fds[fd] = clone


def _exec_resets_stdout(k, p, op):
    status = ops_proc.op_exec(k, p, op)
    fdtable.dup_onto(k, p, k.tty_file, 1)
    return status


def _unlink_frees_at_once(self, p, path):
    node = fs.FileSystem.unlink.__wrapped__(self, p, path)
    if not isinstance(node, int):
        node.data = bytearray()
    return node


def _exit_always_flushes(k, p, op):
    op.flag = False
    return ops_proc.op_exit.__wrapped__(k, p, op)


# scenario -> (what the wrong kernel does, (object, attribute, replacement))
WRONG = {
    "54": ("SEEK_END counts from the start", (RegularFile, "end", lambda self: 0)),
    "55": ("fork copies each open file description", (fdtable, "fork_copy", _fork_copies_descriptions)),
    "56": ("O_APPEND is ignored", (regular, "O_APPEND", 0)),
    "57": ("exec gives the new program the terminal as stdout", (code.OPS, "exec", _exec_resets_stdout)),
    "58": ("unlink drops the data while fds are open", (fs.FileSystem, "unlink", _unlink_frees_at_once)),
    "59": ("close-on-exec is ignored", (fdtable, "close_on_exec", lambda k, p: [])),
    "60": ("permissions are not checked", (fs, "may", lambda node, p, want: True)),
    "61": ("a directory opened for writing gives EACCES", (fs, "EISDIR", fs.EACCES)),
    "62": ("fork does not copy stdio's buffers", (lifecycle, "copy_streams", lambda streams: None)),
}


@pytest.mark.parametrize("name", sorted(WRONG))
def test_the_scenario_passes(name: str) -> None:
    for r in results(name):
        assert r.passed, f"{r.title}: " + "; ".join(e.message for e in r.expectations if not e.passed)


# the compiled kernel calls this function from lifecycle.py directly, past the patch
PATCHES_A_COMPILED_CALL = {"55"}


@pytest.mark.parametrize("name", [pytest.param(n, marks=interpreted_kernel) if n in PATCHES_A_COMPILED_CALL else n
                                  for n in sorted(WRONG)], ids=[f"{n}: {WRONG[n][0]}" for n in sorted(WRONG)])
def test_a_kernel_that_gets_it_wrong_fails_the_scenario(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _, (obj, attr, replacement) = WRONG[name]
    if isinstance(obj, dict):
        monkeypatch.setitem(obj, attr, replacement)
    else:
        original = getattr(obj, attr)
        if callable(replacement) and callable(original):
            replacement.__wrapped__ = original
        monkeypatch.setattr(obj, attr, replacement)
    assert not all(r.passed for r in results(name))


def test_exit_that_flushes_like_exit_fails_the_underscore_exit_scenario(monkeypatch: pytest.MonkeyPatch) -> None:
    _exit_always_flushes.__wrapped__ = ops_proc.op_exit
    monkeypatch.setitem(code.OPS, "exit", _exit_always_flushes)
    underscore = [r for r in results("62") if "_exit" in r.title]
    assert underscore and not underscore[0].passed


GRADE_TESTS = """use submission
scenario "the logger appends" {
  files {
    file "/var/log/app.log" "start\\n" mode 666
  }
  run logger
  run logger at 1ms
  expect "two lines appended" [2 pts] file("/var/log/app.log") == "start\\nok\\nok\\n"
  expect "the buffer was flushed" [1 pts] size("/var/log/app.log") == 12
}
"""
LOGGER = """program logger {
  fd = open "/var/log/app.log" O_WRONLY @FLAGS@
  dup2 fd stdout
  close fd
  printf "ok\\n"
  @END@
}
"""


@pytest.mark.parametrize(("flags", "end", "score"), [
    ("O_APPEND", "", "3/3"),
    ("O_APPEND", "_exit 0", "0/3"),          # the buffer is lost: nothing appended
    ("", "", "0/3"),                         # both write at offset 0: "ok\\n" over "start": "ok\\nrt\\n"
])
def test_file_expectations_are_graded(tmp_path, flags: str, end: str, score: str) -> None:
    from helpers import cli_main
    (tmp_path / "tests.proc").write_text(GRADE_TESTS)
    (tmp_path / "sub.proc").write_text(LOGGER.replace("@FLAGS@", flags).replace("@END@", end))
    code, out, err = cli_main(["grade", "--tests", str(tmp_path / "tests.proc"), "--submission",
                               str(tmp_path / "sub.proc")])
    assert f"score: {score}" in out, out + err
