"""Fuzzing: generated and mutated .proc files end with 0, 1 or 2, in bounded time and memory, with one trace.

A small fixed budget runs with the suite (derandomized, so CI sees the same inputs every time). The long
fuzz is the same tests with more examples and fresh randomness (docs/fuzzing.md):

    PROCDSL_FUZZ_EXAMPLES=20000 pytest tests/test_fuzz.py -k "generated or mutated"

Every input goes to two worker processes (tests/fuzz_worker.py) whose PYTHONHASHSEED differ and whose
address space is limited; both must answer within the time limit, agree on the exit status, the
output and the traces, and report no internal error.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import selectors
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Optional

import pytest
from fuzz_procs import ASSERTION_RULES, SCENARIO_ITEMS, STATEMENT_RULES, mutated_scenarios, proc_files
from helpers import ROOT
from hypothesis import HealthCheck, Phase, given, settings

EXAMPLES = int(os.environ.get("PROCDSL_FUZZ_EXAMPLES", "0"))
LONG = EXAMPLES > 0
# wall clock per input, for both workers: generous, since a shared machine can be ten times slower
# than an idle one; what counts as too slow is CPU time (SLOW_S)
TIMEOUT_S = float(os.environ.get("PROCDSL_FUZZ_TIMEOUT", "120"))
SLOW_S = float(os.environ.get("PROCDSL_FUZZ_SLOW", "10"))             # CPU seconds per input that count as a hang
MEMORY_MB = int(os.environ.get("PROCDSL_FUZZ_MEMORY_MB", "2048"))
SAVE = os.environ.get("PROCDSL_FUZZ_SAVE")                            # folder for inputs that found something
HASH_SEEDS = ("0", "4242")
CORPUS = Path(__file__).resolve().parent / "fuzz_corpus"
# Reproducers of bugs in parts of procdsl other than the fuzzer's own, until they are fixed:
# file name -> what goes wrong. xfail(strict=False), so a fix shows as XPASS and CI stays green.
KNOWN: dict[str, str] = {}        # none open: every reproducer in the corpus passes
# The same bugs as the fuzz meets them: (what the input contains, what goes wrong) -> the finding
# in docs/fuzzing.md. An input whose every problem is one of these passes, so that the suite stays
# green until the part that owns the bug is fixed; the long fuzz counts them apart.
KNOWN_SIGNS: dict[tuple[str, str], str] = {}


def known(data: bytes, found: list[str]) -> Optional[str]:
    text = data.decode("utf-8", "replace")
    for problem in found:
        names = [why for (given, seen), why in KNOWN_SIGNS.items() if re.search(given, text) and re.search(seen, problem)]
        if not names:
            return None
    return names[0]


class Workers:
    """The two worker processes; one that hangs or dies is replaced."""

    def __init__(self) -> None:
        self.procs: list[Optional[subprocess.Popen]] = [None, None]

    def _start(self, i: int) -> subprocess.Popen:
        env = {**os.environ, "PYTHONHASHSEED": HASH_SEEDS[i], "NO_COLOR": "1"}
        env.pop("FORCE_COLOR", None)
        return subprocess.Popen([sys.executable, str(Path(__file__).with_name("fuzz_worker.py")), str(MEMORY_MB)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env)

    def ask(self, path: str) -> list[dict]:
        for i, proc in enumerate(self.procs):
            if proc is None or proc.poll() is not None:
                self.procs[i] = proc = self._start(i)
            proc.stdin.write(path + "\n")
            proc.stdin.flush()
        answers = []
        with selectors.DefaultSelector() as sel:
            for i, proc in enumerate(self.procs):
                sel.register(proc.stdout, selectors.EVENT_READ, i)
            waiting = {0, 1}
            replies: dict[int, dict] = {}
            while waiting:
                ready = sel.select(TIMEOUT_S)
                if not ready:
                    break
                for key, _ in ready:
                    i = key.data
                    line = self.procs[i].stdout.readline()
                    replies[i] = json.loads(line) if line else {"code": -1, "problems": ["the worker died"]}
                    sel.unregister(key.fileobj)
                    waiting.discard(i)
        for i in (0, 1):
            if i not in replies:
                replies[i] = {"code": -1, "problems": [f"no answer within {TIMEOUT_S:g} s"]}
            if replies[i].get("code", -1) < 0:
                self._stop(i)
            answers.append(replies[i])
        return answers

    def _stop(self, i: int) -> None:
        proc = self.procs[i]
        self.procs[i] = None
        if proc is not None and proc.poll() is None:
            proc.kill()
        if proc is not None:
            proc.wait()
            proc.stdin.close()
            proc.stdout.close()

    def close(self) -> None:
        for i in (0, 1):
            self._stop(i)


def problems_of(answers: list[dict]) -> list[str]:
    """What is wrong with the two workers' answers about one input (nothing, for a good input)."""
    first, second = answers
    found = list(first.get("problems", ())) + [p for p in second.get("problems", ()) if p not in first.get("problems", ())]
    if found:
        return found
    if first["code"] not in (0, 1, 2):
        found.append(f"exit status {first['code']}")
    if max(first["cpu"], second["cpu"]) > SLOW_S:
        found.append(f"took {max(first['cpu'], second['cpu']):.1f} s of CPU time")
    for field in ("code", "output", "traces"):
        if first[field] != second[field]:
            found.append(f"the {field} differs between PYTHONHASHSEED={HASH_SEEDS[0]} and {HASH_SEEDS[1]}")
    return found


@pytest.fixture(scope="module")
def workers():
    pool = Workers()
    yield pool
    pool.close()


FOUND: dict[str, str] = {}       # long fuzz: the first input of each kind of problem
KNOWN_SEEN: dict[str, int] = {}  # known bugs met, and how often
COUNT = {"inputs": 0}


def examine(workers: Workers, data: bytes) -> None:
    COUNT["inputs"] += 1
    if SAVE and COUNT["inputs"] % 250 == 0:
        os.makedirs(SAVE, exist_ok=True)
        with open(os.path.join(SAVE, "progress.txt"), "a", encoding="utf-8") as fh:
            fh.write(f"{COUNT['inputs']} inputs, {len(FOUND)} kinds of problem, known: {KNOWN_SEEN}\n")
    with tempfile.TemporaryDirectory(prefix="procdsl-fuzz-") as folder:
        path = os.path.join(folder, "fuzz.proc")
        with open(path, "wb") as fh:
            fh.write(data)
        found = problems_of(workers.ask(path))
    if not found:
        return
    why = known(data, found)
    if why is not None:
        KNOWN_SEEN[why] = KNOWN_SEEN.get(why, 0) + 1
        return
    if SAVE:
        os.makedirs(SAVE, exist_ok=True)
        Path(SAVE, hashlib.sha256(data).hexdigest()[:16] + ".proc").write_bytes(data)
    if LONG:
        # a survey: note the first input per kind of problem and go on, so one run finds many
        kind = re.sub(r"[0-9]+", "N", found[0])[:160]
        FOUND.setdefault(kind, data.decode("utf-8", "backslashreplace"))
        return
    raise AssertionError("; ".join(found) + "\n--- input ---\n" + data.decode("utf-8", "backslashreplace"))


BUDGET = settings(max_examples=EXAMPLES or 20, derandomize=not LONG, deadline=None, database=None,
                  phases=[Phase.generate] if LONG else [Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
                  suppress_health_check=list(HealthCheck))


@BUDGET
@given(text=proc_files())
def test_generated_files(workers: Workers, text: str) -> None:
    examine(workers, text.encode("utf-8"))


@BUDGET
@given(data=mutated_scenarios())
def test_mutated_scenarios(workers: Workers, data: bytes) -> None:
    examine(workers, data)


def test_long_fuzz_found_nothing() -> None:
    """After a long fuzz (which notes and goes on), each kind of problem it met, with its first input."""
    if FOUND:
        report = "\n\n".join(f"== {kind}\n{text}" for kind, text in FOUND.items())
        known_ones = "".join(f"\n(known, met {n} times: {why})" for why, n in KNOWN_SEEN.items())
        raise AssertionError(f"{len(FOUND)} kind(s) of problem:\n\n{report}{known_ones}")


@pytest.mark.parametrize("path", [pytest.param(p, marks=[pytest.mark.xfail(strict=False, reason=KNOWN[p.name])]
                                               if p.name in KNOWN else [], id=p.name)
                                  for p in sorted(CORPUS.glob("*.proc"))])
def test_corpus(workers: Workers, path: Path) -> None:
    """Inputs the fuzz found once: each stays fixed (or, for another part's bug, marked as known)."""
    found = problems_of(workers.ask(str(path)))
    assert not found, "; ".join(found)


# ---------------------------------------------------------------------- the harness itself
def _alternatives(rule: str) -> set[str]:
    grammar = (ROOT / "grammars" / "procdsl.lark").read_text(encoding="utf-8")
    match = re.search(rf"^{re.escape(rule)}:(.*?)(?=^\S|\Z)", grammar, re.S | re.M)
    assert match, rule
    body = re.sub(r"//[^\n]*", "", match.group(1))
    return {alt.strip() for alt in body.split("|")}


def test_the_generator_knows_every_statement_item_and_assertion_of_the_grammar() -> None:
    assert _alternatives("_stmt") == STATEMENT_RULES
    assert _alternatives("_scen_item") == SCENARIO_ITEMS
    assert {alt.split()[0] for alt in _alternatives("?assertion")} == ASSERTION_RULES


def test_the_judge_catches_each_kind_of_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    good = {"code": 1, "problems": [], "output": "a", "traces": "t", "cpu": 0.1}
    assert problems_of([good, dict(good)]) == []
    assert problems_of([{**good, "problems": ["internal error in procdsl"]}, good]) == ["internal error in procdsl"]
    assert problems_of([{**good, "code": 3}, {**good, "code": 3}]) == ["exit status 3"]
    assert problems_of([good, {**good, "traces": "u"}]) == ["the traces differs between PYTHONHASHSEED=0 and 4242"]
    assert problems_of([good, {**good, "cpu": SLOW_S + 1}])[0].startswith("took ")
    memory = ["error: internal error in procdsl while compiling fuzz.proc (MemoryError: )"]
    monkeypatch.setitem(KNOWN_SIGNS, (r"on cpus \d+-\d{9,}", r"MemoryError"), "a known bug, while it is open")
    assert known(b"  run main on cpus 0-99999999999\n", memory) is not None
    assert known(b"  run main\n", memory) is None


def test_a_hang_is_reported_and_the_worker_replaced(workers: Workers, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    hang = tmp_path / "hang.proc"
    hang.write_text('scenario "s" {\n  machine {\n    max_events 1000000000\n    max_time 100000s\n  }\n'
                    "  program main {\n    loop {\n      x = 1\n    }\n  }\n  run main\n}\n")
    monkeypatch.setattr(sys.modules[__name__], "TIMEOUT_S", 1.0)
    assert problems_of(workers.ask(str(hang))) == ["no answer within 1 s"]
    monkeypatch.setattr(sys.modules[__name__], "TIMEOUT_S", 60.0)
    assert problems_of(workers.ask(str(ROOT / "scenarios" / "01_process_table.proc"))) == []
