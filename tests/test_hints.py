"""The newcomer tables of lang/hints.py: every entry reaches a diagnostic, and none names a feature that landed.

The fixtures in tests/errors/ (hint_*, not_modelled_*, warning_*) pin the exact rendering of
the spellings people type first; this file checks the tables as a whole."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import cli_main, diagnostics_of, write_proc
from hypothesis import given, settings
from hypothesis import strategies as st

from procdsl.lang.hints import NOT_MODELLED, SPELLINGS, syntax_hint
from procdsl.lang.lower import Lower
from procdsl.lang.reduce import reducer_for
from procdsl.lang.validate_exprs import PROGRAM_FUNCTIONS
from procdsl.lang.validate_stmts import STATEMENTS


def in_program(line: str) -> str:
    return f'scenario "s" {{\n  program main {{\n    {line}\n  }}\n  run main\n}}\n'


def test_no_table_entry_names_something_procdsl_has() -> None:
    """When a statement or function lands (files, sockets, terminals), its entry must go."""
    keywords = reducer_for(Lower).keywords
    for table in (NOT_MODELLED, SPELLINGS):
        clash = set(table) & (set(STATEMENTS) | PROGRAM_FUNCTIONS | keywords) - {"pipe", "mutex"}
        assert not clash, f"procdsl has these now; delete them from lang/hints.py: {sorted(clash)}"


@pytest.mark.parametrize("name", sorted(NOT_MODELLED))
def test_each_feature_not_modelled_says_so_as_statement_and_function(tmp_path: Path, name: str) -> None:
    for line in (name, f"x = {name}(1)"):
        found = diagnostics_of(tmp_path, in_program(line))
        assert any(f"'{name}': procdsl does not model " in d for d in found), found


@pytest.mark.parametrize("name", sorted(set(SPELLINGS) - {"pipe", "mutex"}))
def test_each_habit_gets_its_procdsl_form(tmp_path: Path, name: str) -> None:
    path = write_proc(tmp_path, in_program(f"{name} x"))
    _, _, err = cli_main(["check", str(path)])
    assert f"unknown statement '{name}'" in err
    assert f"  = help: {SPELLINGS[name]}" in err
    assert "did you mean" not in err


@pytest.mark.parametrize("line", ['print "no!"', 'print "a && b" +', "x = 1 # not! && ||"])
def test_what_strings_and_comments_say_is_no_hint(line: str) -> None:
    assert syntax_hint(line) is None


@pytest.mark.parametrize("command", ["check", "run", "compile"])
def test_a_warning_is_printed_and_never_changes_the_outcome(tmp_path: Path, command: str) -> None:
    path = write_proc(tmp_path, """
        scenario "s" {
          program main {
            pid = fork
            for errno in [1] {
              print "{pid} {errno}"
            }
          }
          run main
          expect exit_code(main) == 0
        }
    """)
    code, out, err = cli_main([command, str(path)])
    assert code == 0, err
    assert f"{path}:3:5: warning: assigning 'pid' hides the built-in 'pid'" in err
    assert f"{path}:4:5: warning: assigning 'errno' hides the built-in 'errno'" in err
    assert ": error: " not in err
    if command == "check":
        assert out.endswith("1 passed, 0 failed\n")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list('abkilnopsz(){}[]!&|+-"#= \t\\') + ["fork", "kill", "at exit(", "socket"]),
                max_size=30).map("".join))
def test_any_line_gets_a_hint_or_none(line: str) -> None:
    hint = syntax_hint(line)
    assert hint is None or (isinstance(hint, str) and hint)
