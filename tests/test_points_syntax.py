"""The `[N pts, VISIBILITY]` syntax after an expectation's description, as docs/language.md lists it."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import diagnostics_of, write_proc

from procdsl.pipeline import compile_path


@pytest.mark.parametrize("meta, points, visibility", [
    ("[2 pts]", 2, "visible"),
    ("[1 pt]", 1, "visible"),
    ("[0.5 pts]", 0.5, "visible"),
    ("[2 pts, visible]", 2, "visible"),
    ("[3 pts, hidden]", 3, "hidden"),
    ("[1 pt, after_due_date]", 1, "after_due_date"),
    ("[1 pt, after_published]", 1, "after_published"),
    ("[hidden]", None, "hidden"),
])
def test_each_documented_form_gives_its_points_and_visibility(tmp_path: Path, meta: str, points, visibility) -> None:
    path = write_proc(tmp_path, f"""
        scenario "s" {{
          program main {{
            compute 1ms
          }}
          run main
          expect "main exits" {meta} exit_code(main) == 0
        }}
    """)
    unit, plans, diags = compile_path(str(path))
    assert not diags
    (expect,) = unit.scenarios[0].expects
    assert (expect.points, expect.visibility) == (points, visibility)


def test_anything_else_in_the_brackets_is_an_error(tmp_path: Path) -> None:
    found = diagnostics_of(tmp_path, """
        scenario "s" {
          program main {
            compute 1ms
          }
          run main
          expect "main exits" [2 pts, secret] exit_code(main) == 0
        }
    """)
    assert found == ["6:23: unknown expectation setting 'secret'"]
