"""The grammar and parser: Lark strict mode, statement separators, context keywords, syntax diagnostics."""

from __future__ import annotations

import pytest

from procdsl import ir
from procdsl.lang.diagnostics import CompileError
from procdsl.lang.grammar import grammar_path, parser
from procdsl.lang.parser import describe_terminal, parse, unclosed_brace
from procdsl.lang.source import Source


def src(text: str) -> Source:
    return Source("t.proc", text)


def syntax_error(text: str):
    with pytest.raises(CompileError) as info:
        parse(src(text))
    (diag,) = info.value.diagnostics
    return diag


def test_grammar_builds_in_lark_strict_mode() -> None:
    # strict mode rejects shift/reduce conflicts and terminal collisions Lark would otherwise resolve silently
    assert parser(strict=True) is not None


def test_grammar_lives_in_grammars_folder() -> None:
    assert grammar_path().name == "procdsl.lark"
    assert grammar_path().parent.name == "grammars"


def test_parser_is_cached() -> None:
    assert parser() is parser()


def test_parse_lowers_in_the_same_pass() -> None:
    f = parse(src('scenario "s" {\n  program p { compute 1ms }\n  run p\n}\n'))
    assert isinstance(f, ir.File)
    assert [s.title for s in f.scenarios] == ["s"]


@pytest.mark.parametrize("text", [
    "",
    "\n\n# only a comment\n",
    'scenario "s" { program p { compute 1ms; sleep 2ms; exit 0 }; run p }',
    'scenario "s" {\n  program p {\n    compute 1ms   # trailing comment\n  }\n  run p\n}',
    'program p {\n  if 1 == 1 {\n    exit 1\n  }\n  else if 2 == 2 {\n    exit 2\n  }\n  else {\n    exit 3\n  }\n}',
    'program p {\n  pid = fork\n  state = 1\n  print "{pid} {state}"\n}',
    'program p {\n  p = pipe\n  m = mutex\n  s = wait nohang\n  x = [1, 2]\n  x -= [1]\n}',
    'program p { compute 5µs; sleep 1.5s; io 250ns }',
    'scenario "s" {\n  program p { compute 1ms }\n  run p | p | p\n  run p as q nice -5 uid 1000 at 3ms\n}',
    'scenario "s" {\n  program p { compute 1ms }\n  run p\n  expect "d" [2 pts, hidden] exit_code(p) == 0\n'
    '  expect cpu_time(p) == 1ms ± 10us\n  expect cpu_time(p) == 1ms +- 10us\n}',
])
def test_valid_sources_parse(text: str) -> None:
    assert isinstance(parse(src(text)), ir.File)


def test_keywords_are_reserved_only_where_they_start_a_statement() -> None:
    f = parse(src("program p {\n  state = 1\n  x = state + pid\n  print output\n}\n"))
    assert [s.kind for s in f.programs[0].body] == ["assign", "assign", "print"]
    d = syntax_error("program p {\n  wait = 3\n}\n")      # `wait` starts this statement: a keyword there
    assert (d.span.line, d.span.col) == (2, 8)


def test_unexpected_punctuation_is_named_once() -> None:
    d = syntax_error("program p {\n  x = = 1\n}\n")
    assert d.message.startswith("unexpected '=': expected ")


def test_unexpected_token_names_what_was_expected() -> None:
    d = syntax_error('scenario "s" {\n  program p {\n    x = 1 +\n  }\n}\n')
    assert (d.span.line, d.span.col) == (3, 12)
    assert d.message.startswith("unexpected end of line: expected ")
    assert "a name" in d.message and "a number" in d.message


def test_unclosed_block_points_at_the_opening_brace() -> None:
    d = syntax_error('scenario "s" {\n  program p {\n    compute 1ms\n')
    assert d.message == "unexpected end of file: '}' expected to close the block opened at 2:13"
    assert d.hint and "line 2" in d.hint


def test_stray_closing_brace_gets_a_hint() -> None:
    d = syntax_error('program p {\n  compute 1ms\n}\n}\n')
    assert (d.span.line, d.span.col) == (4, 1)
    assert d.hint and "closes nothing" in d.hint


def test_unterminated_string() -> None:
    d = syntax_error('program p {\n  print "abc\n}\n')
    assert d.message == "unterminated string"
    assert (d.span.line, d.span.col) == (2, 9)


def test_unexpected_character() -> None:
    d = syntax_error("program p {\n  compute 1ms $\n}\n")
    assert d.message == "unexpected character '$'"
    assert (d.span.line, d.span.col) == (2, 15)


def test_description_string_hint_after_expect() -> None:
    d = syntax_error('scenario "s" {\n  program p { compute 1ms }\n  run p\n  expect "x" in output\n}\n')
    assert d.hint and "description" in d.hint


def test_unclosed_brace_skips_strings_and_comments() -> None:
    assert unclosed_brace('a { "}" # }\n') == (1, 3)
    assert unclosed_brace("a { }\n b {\n") == (2, 4)
    assert unclosed_brace('x "{" # {\n') is None


@pytest.mark.parametrize("name, words", [("NAME", "a name"), ("_NL", "end of statement"), ("$END", "end of file"),
                                         ("RBRACE", "'}'"), ("SCENARIO", "'scenario'")])
def test_terminal_words(name: str, words: str) -> None:
    assert describe_terminal(name) == words
