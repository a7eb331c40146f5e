"""A malicious class: each attack that was seen to stall, crash, escape or fool the grader, kept as a regression."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import pytest

from procdsl.grading import files
from procdsl.grading.batch import grade_class, result_names, submissions_in
from procdsl.grading.bundle import make_bundle, read_submission, read_tests
from procdsl.grading.files import ReadLimits
from procdsl.grading.formats import FORMATS, render
from procdsl.grading.grade import grade_bundle

from .conftest import ASSIGNMENT

SOLUTION = (ASSIGNMENT / "submissions" / "solution.proc").read_text()
TESTS = str(ASSIGNMENT / "tests")
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def cli(*args, cwd=None, umask=None, timeout=120):
    pre = (lambda: os.umask(umask)) if umask is not None else None
    return subprocess.run([sys.executable, "-m", "procdsl", "grade", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout, preexec_fn=pre)


def rows(outdir) -> list[dict]:
    return list(csv.DictReader((outdir / "summary.csv").read_text(encoding="utf-8").splitlines()))


@pytest.fixture
def tests():
    return read_tests(TESTS)


# ---------------------------------------------------------------- the file system
def test_a_fifo_never_blocks_the_grader(tmp_path, pool, tests):
    klass = tmp_path / "class"
    (klass / "bob").mkdir(parents=True)
    os.mkfifo(klass / "alice.proc")                # a class entry
    os.mkfifo(klass / "bob" / "main.proc")         # inside a folder submission
    (klass / "carol.proc").write_text(SOLUTION)
    started = time.monotonic()
    done = cli("--tests", TESTS, "--submissions", str(klass), "-o", str(tmp_path / "out"), "--workers", "2")
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 60
    got = {r["submission"]: r for r in rows(tmp_path / "out")}
    assert got["alice.proc"]["gradable"] == got["bob"]["gradable"] == "false"
    assert got["carol.proc"]["score"] == "17"
    bob = json.loads((tmp_path / "out" / got["bob"]["result_file"]).read_text())
    assert "submission/main.proc:1:1: error: not a regular file (a FIFO)" in bob["diagnostics"][0]
    one = grade_bundle(make_bundle(tests, str(klass / "alice.proc")), pool)
    assert "not a regular file (a FIFO)" in one.diagnostics[0]


def test_read_text_refuses_what_is_not_a_regular_file(tmp_path):
    os.mkfifo(tmp_path / "pipe.proc")
    with pytest.raises(ValueError, match="not a regular file"):
        files.read_text(str(tmp_path / "pipe.proc"), 100)      # opened non-blocking, then refused by fstat
    (tmp_path / "real.proc").write_text("program p {\n}\n")
    os.symlink(tmp_path / "real.proc", tmp_path / "link.proc")
    with pytest.raises(ValueError, match="cannot read"):
        files.read_text(str(tmp_path / "link.proc"), 100)      # O_NOFOLLOW


def test_links_are_never_followed(tmp_path, pool, tests):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.proc").write_text(SOLUTION)
    klass = tmp_path / "class"
    (klass / "dave").mkdir(parents=True)
    os.symlink(outside, klass / "mallory")                    # a class entry that is a link to a folder
    os.symlink(outside / "secret.proc", klass / "eve.proc")    # ... to a file
    (klass / "dave" / "main.proc").write_text(SOLUTION)
    os.symlink(outside, klass / "dave" / "lib")                # a link to a folder inside a submission
    assert [os.path.basename(p) for p in submissions_in(str(klass))] == ["dave", "eve.proc", "mallory"]
    grades = {g.submission: g for g in grade_class(TESTS, str(klass), str(tmp_path / "out"), workers=2)}
    for name in ("mallory", "eve.proc"):
        assert not grades[name].gradable
        assert "is a link, which is not followed" in grades[name].diagnostics[0]
    assert not grades["dave"].gradable
    assert "submission/lib:1:1: error: the submission may not contain links" in grades["dave"].diagnostics[0]
    for g in grades.values():
        assert "secret" not in json.dumps(g.to_json())


def test_deep_folders_end_with_a_named_limit(tmp_path, pool, tests):
    klass = tmp_path / "class"
    deep = klass / "deep"
    deep.mkdir(parents=True)
    fd = os.open(deep, os.O_RDONLY)
    try:                      # 1,100 levels: built relative to each folder, as paths this long would fail
        for _ in range(1100):
            os.mkdir("d", dir_fd=fd)
            nxt = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = nxt
        with open(os.open("x.proc", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "w") as fh:
            fh.write(SOLUTION)
    finally:
        os.close(fd)
    (klass / "ok.proc").write_text(SOLUTION)
    grades = {g.submission: g for g in grade_class(TESTS, str(klass), str(tmp_path / "out"), workers=2)}
    assert f"folders are nested more than {files.MAX_DEPTH} deep" in grades["deep"].diagnostics[0]
    assert grades["ok.proc"].score == 17 and len(rows(tmp_path / "out")) == 2
    remove_chain(deep)


def remove_chain(top) -> None:
    """Remove a chain of nested `d` folders one level at a time (rmtree recurses, and would fail here)."""
    while (top / "d").exists():
        if (top / "d" / "d").exists():
            os.rename(top / "d" / "d", top / "next")
            shutil.rmtree(top / "d")
            os.rename(top / "next", top / "d")
        else:
            shutil.rmtree(top / "d")


def test_names_that_are_not_utf8_are_escaped_and_the_summary_written(tmp_path):
    klass = tmp_path / "class"
    klass.mkdir()
    raw = os.fsencode(klass) + b"/caf\xe9.proc"
    with open(raw, "w") as fh:
        fh.write(SOLUTION)
    sub = klass / "frank"
    sub.mkdir()
    with open(os.fsencode(sub) + b"/\xff\xfe.proc", "w") as fh:
        fh.write("program supervisor {\n  fork {\n")
    done = cli("--tests", TESTS, "--submissions", str(klass), "-o", str(tmp_path / "out"), "--workers", "2")
    assert done.returncode == 0, done.stderr
    got = {r["submission"]: r for r in rows(tmp_path / "out")}
    assert got["caf\\xe9.proc"]["score"] == "17"
    frank = json.loads((tmp_path / "out" / got["frank"]["result_file"]).read_text(encoding="utf-8"))
    assert frank["diagnostics"][0].startswith("submission/\\xff\\xfe.proc:2:8: error:")
    assert (tmp_path / "out" / "caf\\xe9.proc.json").is_file()


def test_a_file_and_a_folder_of_one_name_get_distinct_results(tmp_path):
    klass = tmp_path / "class"
    (klass / "alice").mkdir(parents=True)
    (klass / "alice" / "main.proc").write_text(SOLUTION)
    (klass / "alice.proc").write_text("program supervisor {\n  exit 0\n}\n")
    grades = grade_class(TESTS, str(klass), str(tmp_path / "out"), workers=2)
    listed = {r["submission"]: r["result_file"] for r in rows(tmp_path / "out")}
    assert listed == {"alice": "alice.json", "alice.proc": "alice.proc.json"}
    assert {g.submission: g.score for g in grades} == {"alice": 17, "alice.proc": 2}
    for name, file in listed.items():
        assert json.loads((tmp_path / "out" / file).read_text())["submission"] == name


def test_result_names_are_distinct_even_where_case_or_length_would_merge_them():
    names = ["Alice.proc", "alice.proc", "x" * 300, "x" * 299 + "y", "bob"]
    files_ = result_names(names, "junit")
    assert len(set(files_.values())) == len(names)
    assert len({f.casefold() for f in files_.values()}) == len(names)
    assert all(len(f.encode()) <= 200 for f in files_.values())
    assert files_["bob"] == "bob.xml" and files_ == result_names(names, "junit")       # stable


def test_counts_and_sizes_are_capped_before_anything_is_read(tmp_path, monkeypatch, pool, tests):
    many = tmp_path / "many"
    many.mkdir()
    for i in range(2000):              # 2,000 files of 260 KB each; sparse, so the test writes nothing
        with open(many / f"f{i:04d}.proc", "wb") as fh:
            fh.truncate(260_000)
    read = []
    real = files.read_text
    monkeypatch.setattr(files, "read_text", lambda path, *a, **k: read.append(path) or real(path, *a, **k))
    started = time.monotonic()
    texts, problems = read_submission(str(many))
    assert time.monotonic() - started < 10
    assert texts == () and read == []
    assert problems == ["submission/f0100.proc:1:1: error: the submission has more than 100 .proc files"]
    few = tmp_path / "few"
    few.mkdir()
    for i in range(10):
        with open(few / f"f{i}.proc", "wb") as fh:
            fh.truncate(260_000)
    texts, problems = read_submission(str(few))
    assert "add up to more than the limit of 1048576 bytes" in problems[-1]
    assert len(read) == 5                        # it stopped at the file that crossed the total
    _, problems = read_submission(str(few), ReadLimits(max_files=3))
    assert "more than 3 .proc files" in problems[0]


def test_macos_zip_debris_is_ignored(tmp_path, pool, tests):
    sub = tmp_path / "zoe"
    (sub / "__MACOSX").mkdir(parents=True)
    (sub / "__MACOSX" / "._supervisor.proc").write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X \xff\xff")
    (sub / "._supervisor.proc").write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X \xff\xff")
    (sub / "supervisor.proc").write_text(SOLUTION)
    assert grade_bundle(make_bundle(tests, str(sub)), pool).score == 17
    klass = tmp_path / "class"
    (klass / "__MACOSX").mkdir(parents=True)
    (klass / "._zoe.proc").write_bytes(b"\x00\x05\x16\x07")
    (klass / "zoe.proc").write_text(SOLUTION)
    assert [os.path.basename(p) for p in submissions_in(str(klass))] == ["zoe.proc"]


# ---------------------------------------------------------------- what a student's text can do
FENCE_NAME = "x\n```\n<img src=x onerror=alert(1)>\n# Full marks\n```.proc"
INJECTED = "program supervisor {\n  \"\x00\x1b[2J\x1b]0;owned\x07\u202e \\\\ <b>&amp;</b> ]]>\"\n}\n"


@pytest.fixture
def injected(tmp_path, pool, tests):
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / FENCE_NAME).write_text(INJECTED)
    return grade_bundle(make_bundle(tests, str(sub)), pool)


def test_student_text_never_escapes_its_place_in_any_format(injected):
    assert not injected.gradable
    for fmt in FORMATS:
        out = render(injected, fmt)
        assert not RAW_CONTROL.search(out.replace("\n", "").replace("\t", "")), fmt
        assert "\u202e" not in out and "\\u202e" in out.replace("\\\\u202e", "\\u202e"), fmt
        if fmt in ("json", "gradescope", "prairielearn", "classroom"):
            json.loads(out)
        if fmt == "junit":
            ET.fromstring(out)
        if fmt == "tap":
            assert [line for line in out.splitlines() if line.startswith(("ok", "not ok"))] == \
                ["not ok 1 - submission parses"]
    assert "x\\n```\\n<img" in render(injected, "text")     # the name on one line, every character shown


def test_gradescope_markdown_keeps_student_text_inert(injected):
    markdown_it = pytest.importorskip("markdown_it", reason="markdown-it-py is a test dependency")
    summary = json.loads(render(injected, "gradescope"))["output"]
    html = markdown_it.MarkdownIt("commonmark").render(summary)
    assert "<img" not in html and "<h1>" not in html and "<b>" not in html
    assert html.count("<pre>") == 1 and "&lt;img src=x onerror=alert(1)&gt;" in html
    # a name outside a code block is escaped character by character
    from procdsl.grading.formats.gradescope import md_inline
    assert markdown_it.MarkdownIt("commonmark").renderInline(md_inline("*a* <b>[x](y)</b> `c`\n# h")) == \
        "*a* &lt;b&gt;[x](y)&lt;/b&gt; `c` # h"


def test_control_characters_in_printed_output_are_shown_not_sent(tmp_path, pool, tests):
    sub = tmp_path / "loud.proc"
    sub.write_text("program supervisor {\n  print \"a\x00b\x1b[31mred\x07\x7f\x9b\"\n}\n")
    grade = grade_bundle(make_bundle(tests, str(sub)), pool)
    assert grade.gradable
    junit = render(grade, "junit")
    ET.fromstring(junit)                                # XML 1.0: no raw control characters
    text = render(grade, "text")
    assert not RAW_CONTROL.search(text.replace("\n", "")) and "\x9b" not in text
    assert "a\\x00b\\x1b[31mred\\x07\\x7f\\x9b" in text
    done = cli("--tests", TESTS, "--submission", str(sub), "--workers", "1")
    assert done.returncode == 0 and not RAW_CONTROL.search(done.stdout.replace("\n", ""))


def test_the_summary_csv_holds_names_as_text(tmp_path):
    klass = tmp_path / "class"
    klass.mkdir()
    (klass / "=HYPERLINK(1).proc").write_text(SOLUTION)
    (klass / "a,b\nc.proc").write_text(SOLUTION)
    grade_class(TESTS, str(klass), str(tmp_path / "out"), workers=2)
    listed = rows(tmp_path / "out")
    assert sorted(r["submission"] for r in listed) == ["'=HYPERLINK(1).proc", "a,b\\nc.proc"]
    assert len((tmp_path / "out" / "summary.csv").read_text().splitlines()) == 3


# ---------------------------------------------------------------- result files
def test_regrading_a_class_is_byte_identical(tmp_path):
    klass = tmp_path / "class"
    klass.mkdir()
    for name in ("no_respawn.proc", "parse_error.proc", "in_two_files"):
        src = ASSIGNMENT / "submissions" / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, klass / name)
    for fmt in ("json", "junit"):        # the formats with the most timings: json's three kinds, JUnit's times
        outs = []
        for run in ("a", "b"):
            out = tmp_path / f"{fmt}-{run}"
            done = cli("--tests", TESTS, "--submissions", str(klass), "-o", str(out), "--format", fmt,
                       "--no-timings", "--workers", "2")
            assert done.returncode == 0, done.stderr
            outs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
        assert outs[0] == outs[1], fmt
        assert b"execution_time" not in b"".join(outs[0].values())


def test_result_files_follow_the_umask(tmp_path, monkeypatch):
    import procdsl.grading.batch as batch
    for umask in (0o002, 0o077):
        monkeypatch.setattr(batch, "_UMASK", None)
        old = os.umask(umask)
        try:
            batch.write_atomic(str(tmp_path / f"r{umask}"), "x\n")
        finally:
            os.umask(old)
        assert os.stat(tmp_path / f"r{umask}").st_mode & 0o777 == 0o666 & ~umask
    monkeypatch.setattr(batch, "_UMASK", None)


def test_result_files_follow_the_umask_from_the_command_line(tmp_path):
    umask = 0o027
    klass = tmp_path / "class"
    klass.mkdir()
    (klass / "s.proc").write_text(SOLUTION)
    many = cli("--tests", TESTS, "--submissions", str(klass), "-o", str(tmp_path / "out"), "--workers", "1",
               umask=umask)
    assert many.returncode == 0
    for path in (tmp_path / "out" / "s.proc.json", tmp_path / "out" / "summary.csv"):
        assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask, path


def test_tests_that_do_not_parse_are_the_instructors_error(tmp_path, pool):
    from procdsl.grading.bundle import SetupError
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "t.proc").write_text("use submission\n\nscenario \"x\" {\n  run main\n  expect (\n}\n")
    (tmp_path / "s.proc").write_text("program main {\n  exit 0\n}\n")
    with pytest.raises(SetupError, match=r"the tests do not parse:\ntests/t\.proc:5:11: error:"):
        grade_bundle(make_bundle(read_tests(str(tmp_path / "tests")), str(tmp_path / "s.proc")), pool)
    # the command line turns it into exit 2, as for every SetupError (test_safety checks a missing folder)


def test_every_result_file_has_a_size_bound():
    from procdsl.grading.result import Expectation, Grade, Scenario
    from procdsl.grading.shown import MAX_RESULT_BYTES
    huge = Expectation(name="prints the answer", file="tests/t.proc", line=3, passed=False, points=0, max_points=1,
                       message="expected output == 42, but it is " + "7" * 200_000,
                       explanation=tuple(f"line {i} " + "x" * 5000 for i in range(5000)))
    grade = Grade(submission="big.proc", gradable=True, score=0, max_score=100, scenarios=tuple(
        Scenario(name=f"scenario {i}", file="tests/t.proc", line=1, status="failed", expectations=(huge,) * 10)
        for i in range(10)))
    for fmt in FORMATS:
        out = render(grade, fmt)
        assert len(out.encode()) <= MAX_RESULT_BYTES, fmt
        assert "more characters left out" in out or "more lines left out" in out, fmt
    small = render(replace_message(grade, "expected 1, but it is 2"), "prairielearn")
    assert "left out" not in small            # nothing is cut from a result that fits
    many = Grade(submission="x", gradable=False, score=0, max_score=1, diagnostics=tuple(f"e{i}" for i in range(500)))
    assert "… [480 more diagnostics left out]" in render(many, "text")


def replace_message(grade, message):
    from dataclasses import replace
    return replace(grade, scenarios=tuple(replace(s, expectations=tuple(
        replace(e, message=message, explanation=()) for e in s.expectations[:1])) for s in grade.scenarios[:2]))


def test_the_instructors_tests_may_link_to_a_file(tmp_path):
    (tmp_path / "shared").mkdir()
    (tmp_path / "tests").mkdir()
    shutil.copy(ASSIGNMENT / "tests" / "supervisor.proc", tmp_path / "shared" / "supervisor.proc")
    os.symlink(tmp_path / "shared" / "supervisor.proc", tmp_path / "tests" / "supervisor.proc")
    os.symlink(tmp_path / "shared", tmp_path / "tests" / "more")        # a linked folder is not entered
    texts, run = read_tests(str(tmp_path / "tests"))
    assert [p for p, _ in texts] == ["tests/supervisor.proc"] and run == ("tests/supervisor.proc",)
