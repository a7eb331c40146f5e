"""Random programs of socket and poll statements, in two processes that share what fork gave them:
no internal error, every run ends (done, a deadlock, a fault or a named limit) within seconds,
the trace fits its schema, and the checker's model of what sockets carried agrees with the
events. Also random text in socket statements' places: a diagnostic, never a traceback."""

from __future__ import annotations

import os
import time
from pathlib import Path

import jsonschema
from helpers import compile_text, write_proc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from procdsl.check.model import Model
from procdsl.kernel.loop import Kernel
from procdsl.pipeline import compile_path
from procdsl.trace.jsonl import records, schema

BUDGET = int(os.environ.get("PROCDSL_FUZZ_EXAMPLES", "40"))
VALIDATOR = jsonschema.Draft202012Validator(schema())
FDS = ["3", "4", "5", "6", "7", "s", "c", "sv[0]", "sv[1]", "9", "bad", "1"]
ADDRS = ['"/tmp/s"', '"/tmp/t"', '"/nope/x"', '""', '"127.0.0.1:8080"', '"127.0.0.1:0"', '"localhost:99999"',
         '"10.1.1.1:80"', '"/etc/motd"']
TEXTS = ['"x"', '""', '"hello world"', '"{pid}"', '"y" * 5000']


@st.composite
def statement(draw) -> str:
    fd = draw(st.sampled_from(FDS))
    addr = draw(st.sampled_from(ADDRS))
    text = draw(st.sampled_from(TEXTS))
    kind = draw(st.sampled_from(["stream", "dgram", "tcp"]))
    return draw(st.sampled_from([
        f"s = socket {kind}",
        f"sv = socketpair {draw(st.sampled_from(['stream', 'dgram']))}",
        f"r = bind {fd} {addr}",
        f"r = listen {fd} {draw(st.integers(-2, 3))}",
        f"c = accept {fd}",
        f"r = connect {fd} {addr}",
        f"n = sendto {fd} {text}",
        f"n = sendto {fd} {text} to {addr} MSG_NOSIGNAL",
        f"n = write {fd} {text}",
        f"n = recv {fd} {draw(st.integers(0, 6000))} into buf",
        f"n = read {fd} 3",
        f"shutdown {fd} {draw(st.sampled_from(['SHUT_RD', 'SHUT_WR', 'SHUT_RDWR']))}",
        f"close {fd}",
        f"n = poll [{fd}, 3, 4] POLLIN POLLOUT timeout {draw(st.sampled_from(['0', '1ms', '-1']))} into ready",
        f"n = poll [{fd}] POLLIN timeout 50us",
        "fork",
        "sleep 10us",
        "ignore SIGPIPE",
    ]))


def source(body: list[str]) -> str:
    lines = "\n".join("    " + s for s in body)
    return f"""scenario "fuzz" {{
  machine {{ max_events 20000; max_time 1s; cpus 2 }}
  files {{
    file "/etc/motd" "hi"
  }}
  program main {{
    s = 3
    c = 4
    sv = [5, 6]
    bad = -1
{lines}
  }}
  run main
  run main at 5us
}}
"""


@settings(max_examples=BUDGET, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                     HealthCheck.function_scoped_fixture])
@given(st.lists(statement(), min_size=1, max_size=16))
def test_random_socket_programs_end_cleanly(tmp_path: Path, body: list[str]) -> None:
    (plan,) = compile_text(tmp_path, source(body))
    start = time.monotonic()
    trace = Kernel(plan).run()
    assert time.monotonic() - start < 10
    assert trace.end_reason in ("done", "deadlock", "fault", "limit max_events", "limit max_processes",
                                "until") or trace.end_reason.startswith(("fault", "limit", "max_time")), \
        trace.end_reason
    for r in records(trace):
        errors = list(VALIDATOR.iter_errors(r))
        assert not errors, (r, errors[0].message)
    model = Model(trace)
    queued = sum(e.detail[3] for e in trace.events if e.kind == "write" and e.detail[1] == "socket")
    assert sum(len(d) for log in model.sockets.sent.values() for _, d in log) == queued


WORDS = ["socket", "socketpair", "bind", "listen", "accept", "connect", "sendto", "recv", "shutdown", "poll",
         "stream", "to", "MSG_NOSIGNAL", "POLLIN", "timeout", "into", "SHUT_RD", "[0]", "sv[1]", '"a"', "3", "-",
         "[", "]", ",", "=", "x"]


@settings(max_examples=BUDGET, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                     HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=8))
def test_random_socket_words_get_a_diagnostic_or_compile(tmp_path: Path, words: list[str]) -> None:
    path = write_proc(tmp_path, f'scenario "x" {{\n  program p {{\n    {" ".join(words)}\n  }}\n  run p\n}}\n')
    _, plans, diags = compile_path(str(path))
    assert plans or diags
    for d in diags:
        assert d.span is None or d.span.line >= 1
