"""Random programs of file, fd and stdio statements: no internal error, a bounded run, and the checker's
view of every file (replayed from events) equal to the kernel's own at the end."""

from __future__ import annotations

import os
from pathlib import Path

from helpers import compile_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from procdsl.check.model import Model
from procdsl.core.linux import OPEN_FLAGS
from procdsl.kernel.loop import Kernel

PATHS = ["/tmp/a", "/tmp/b", "/etc/motd", "/etc", "/tmp", "/tmp/a/x", "/nope/f", "", "relative"]
FDS = ["0", "1", "2", "3", "4", "5", "9", "fd", "bad", "1024"]
TEXTS = ['"x"', '"hello\\n"', '""', '"{pid}"', '"ab\\ncd"']
BUDGET = int(os.environ.get("PROCDSL_FUZZ_EXAMPLES", "40"))

flag_lists = st.lists(st.sampled_from(sorted(OPEN_FLAGS)), max_size=4, unique=True).filter(
    lambda fs: sum(f in ("O_RDONLY", "O_WRONLY", "O_RDWR") for f in fs) <= 1)


@st.composite
def statement(draw) -> str:
    path = draw(st.sampled_from(PATHS))
    fd = draw(st.sampled_from(FDS))
    text = draw(st.sampled_from(TEXTS))
    flags = draw(flag_lists)
    mode = draw(st.sampled_from(["", " mode 600", " mode 644", " mode 0"])) if "O_CREAT" in flags else ""
    return draw(st.sampled_from([
        f'fd = open "{path}" {" ".join(flags)}{mode}',
        f"n = read {fd} {draw(st.integers(0, 9))} into buf",
        f"n = write {fd} {text}",
        f"p = lseek {fd} {draw(st.integers(-3, 12))} {draw(st.sampled_from(['SEEK_SET', 'SEEK_CUR', 'SEEK_END']))}",
        f"d = dup {fd}",
        f"dup2 {fd} {draw(st.sampled_from(['1', '3', '7']))}",
        f"close {fd}",
        f'unlink "{path}"',
        f"fcntl {fd} F_SETFD FD_CLOEXEC",
        f"printf {text}",
        f"fprintf {fd} {text}",
        "fflush",
        "fork",
        "sleep 10us",
    ]))


def source(body: list[str], uid: int) -> str:
    lines = "\n".join("    " + s for s in body)
    return f"""scenario "fuzz" {{
  machine {{ max_events 20000 }}
  files {{
    file "/etc/motd" "welcome\\n" mode 640
  }}
  program main {{
    fd = 3
    bad = -1
{lines}
  }}
  run main uid {uid}
}}
"""


@settings(max_examples=BUDGET, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                     HealthCheck.function_scoped_fixture])
@given(st.lists(statement(), min_size=1, max_size=14), st.sampled_from([0, 1000]))
def test_random_file_programs(tmp_path: Path, body: list[str], uid: int) -> None:
    (plan,) = compile_text(tmp_path, source(body, uid))
    k = Kernel(plan)
    trace = k.run()
    assert trace.end_reason in ("done", "fault", "limit max_events", "limit max_processes"), trace.end_reason
    if trace.end_reason != "done":
        return
    model = Model(trace)

    class Env:
        t = trace.end_time

        def note(self, _text: str) -> None:
            pass
    for path in ("/tmp/a", "/tmp/b", "/etc/motd"):
        found = k.fs.resolve(k.init, path)
        kernel_has = not isinstance(found, int) and found[2] is not None and not found[2].is_dir
        assert model.files.exists(Env(), path) == kernel_has, path
        if kernel_has:
            assert model.files.contents(Env(), path) == bytes(found[2].data).decode("utf-8", "replace"), path
