"""Escaping student text, fuzzed: any string at all comes out safe for every format, names one-to-one."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from procdsl.grading import safe
from procdsl.grading.formats import FORMATS, render
from procdsl.grading.result import Expectation, Grade, Scenario
from procdsl.grading.shown import escaped

# what XML 1.0 allows, less what a terminal acts on and the bidirectional controls
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")
ANY = st.text(st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF), max_size=60)
SURROGATE_BYTES = st.binary(max_size=30).map(lambda b: b.decode("utf-8", "surrogateescape"))


@given(st.one_of(ANY, SURROGATE_BYTES))
def test_text_is_safe_and_escaping_twice_changes_nothing(s):
    out = safe.text(s)
    assert not UNSAFE.search(out)
    assert safe.text(out) == out
    out.encode("utf-8")                     # no lone surrogate is left


@given(st.one_of(ANY, SURROGATE_BYTES), st.one_of(ANY, SURROGATE_BYTES))
def test_two_names_never_escape_alike(a, b):
    if a != b:
        assert safe.name(a) != safe.name(b)
    assert "\n" not in safe.name(a) and not UNSAFE.search(safe.name(a))


@settings(max_examples=40, deadline=None)
@given(name=ANY, message=ANY, line=ANY, submission=st.one_of(ANY, SURROGATE_BYTES))
def test_any_text_keeps_every_format_well_formed(name, message, line, submission):
    exp = Expectation(name=name or "e", file="tests/t.proc", line=3, passed=False, points=0, max_points=1,
                      message=message, explanation=(line,))
    grade = escaped(Grade(submission=submission or "s", gradable=True, score=0, max_score=1,
                          scenarios=(Scenario(name=name or "s", file="tests/t.proc", line=1, status="failed",
                                              expectations=(exp,)),)))
    for fmt in FORMATS:
        out = render(grade, fmt)
        assert not UNSAFE.search(out), fmt
        if fmt == "junit":
            ET.fromstring(out)
        elif fmt == "tap":
            points = [x for x in out.splitlines() if re.match(r"(not )?ok \d", x)]
            assert len(points) == 1
        elif fmt == "html":               # the student's text is data in the page, never markup
            tags = _Tags()
            tags.feed(out)
            assert not {"img", "iframe", "object"} & tags.seen and tags.scripts <= 1, tags.seen
        elif fmt != "text":
            json.loads(out)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.seen: set[str] = set()
        self.scripts = 0

    def handle_starttag(self, tag, attrs) -> None:
        self.seen.add(tag)
        self.scripts += tag == "script"


def test_escapes_look_like_the_trace():
    assert safe.text("a\x1b[31m\x07\x00\u202e\tb\nc\r") == "a\\x1b[31m\\x07\\x00\\u202e\tb\nc\\r"
    assert safe.name("caf\udce9\n\\x.proc") == "caf\\xe9\\n\\\\x.proc"
    assert safe.clip("abcdef", 4) == "abcd… [2 more characters left out]"
    assert safe.csv_cell("=1+1") == "'=1+1" and safe.csv_cell("alice") == "alice"
