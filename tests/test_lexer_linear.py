"""The lexer's work grows linearly with the input: comments, `;` runs, blank lines and `else` gaps.

Each input below made an earlier grammar backtrack exponentially (a last line of 40 `#`
with no final newline took hours) or quadratically. The inputs are lexed in a child
interpreter under a generous timeout: a linear lexer finishes them in a second or two, a
backtracking one never does. No timing is asserted beyond that timeout.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from helpers import ROOT

N = 20_000
HEAD = 'scenario "s" {\n  program a {\n    print "hi"\n'
TAIL = '  }\n  run a\n}\n'
IF = '    if true {\n    }'

# name -> (text, whether it compiles)
CASES = {
    "hashes at the end, no newline": (HEAD + TAIL + "#" * N, True),
    "spaced hashes at the end, no newline": (HEAD + TAIL + "# " * N, True),
    "comment lines, the last without newline": (HEAD + TAIL + "#\n" * N + "# #", True),
    "a run of semicolons": (HEAD + "    " + ";" * N + "\n" + TAIL, True),
    "semicolons and blanks": (HEAD + "    " + "; \t" * N + "\n" + TAIL, True),
    "blank lines": (HEAD + "\n" * N + TAIL, True),
    "lines of blanks": (HEAD + "  \n" * N + TAIL, True),
    "comment lines": (HEAD + "    # # # # # # # #\n" * N + TAIL, True),
    "blank lines before else": (HEAD + IF + "\n" * N + "    else {\n    }\n" + TAIL, True),
    "comments before else": (HEAD + IF + "\n  # # else #\n" * N + "    else {\n    }\n" + TAIL, True),
    "blank lines before a name like else": (HEAD + IF + " \n" * N + "    elsewhere = 1\n" + TAIL, True),
    "semicolons before else": (HEAD + IF + "\n;" * N + "    else {\n    }\n" + TAIL, False),
    "hashes inside an expression": (HEAD + "    x = 1 +" + " # #" * N + "\n" + TAIL, False),
}

_CHILD = textwrap.dedent("""
    import json, sys
    from procdsl.lang.diagnostics import CompileError
    from procdsl.lang.parser import parse
    from procdsl.lang.source import Source
    out = {}
    for name, text in json.load(sys.stdin).items():
        try:
            parse(Source("t.proc", text))
            out[name] = True
        except CompileError:
            out[name] = False
    print(json.dumps(out))
""")


def test_adversarial_inputs_lex_in_linear_time() -> None:
    texts = {name: text for name, (text, _) in CASES.items()}
    done = subprocess.run([sys.executable, "-c", _CHILD], input=json.dumps(texts), capture_output=True,
                          text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    compiled = json.loads(done.stdout)
    assert compiled == {name: ok for name, (_, ok) in CASES.items()}


def test_a_comment_that_contains_else_is_a_comment(tmp_path) -> None:
    from helpers import assert_passes
    assert_passes(tmp_path, """
        scenario "s" {
          program a {
            if false {
              print "no"
            }
            # else this comment would have been read as the start of a branch
            print "yes"
          }
          run a
          expect output == "yes\\n"
        }
    """)
