"""Start-up: `procdsl check` of a small file builds no pydantic schema, imports nothing it does not use,
and leaves what its imports made out of the cyclic collector's sight."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

from procdsl.core.gcpause import importing

TRIVIAL = 'program hello {\n    print "hello"\n}\n\nscenario "hello" {\n    run hello\n    expect output == "hello\\n"\n}\n'

# run in a fresh interpreter: what one command imports and builds, and the collector's state after it
PROBE = """
import gc, sys
from procdsl.cli.main import main
status = main(sys.argv[1:])
modules = sorted(sys.modules)
from procdsl import ir, plan
models = [getattr(plan, n) for n in plan.__all__] + [ir.Span, ir.Expect, ir.Lit, ir.Scenario]
frozen = gc.get_freeze_count()
main(sys.argv[1:])
import json
print(json.dumps({"status": status, "built": [m.__name__ for m in models if m.__pydantic_complete__],
                  "modules": modules, "gc": gc.isenabled(), "frozen": frozen,
                  "frozen_again": gc.get_freeze_count() - frozen}))
"""


def probe(tmp_path: Path, *argv: str) -> dict:
    path = tmp_path / "hello.proc"
    path.write_text(TRIVIAL)
    out = subprocess.run([sys.executable, "-c", PROBE, *argv, str(path)], capture_output=True, text=True,
                         check=True, cwd=tmp_path).stdout
    return json.loads(out.splitlines()[-1])


def test_check_builds_no_model_schema(tmp_path):
    got = probe(tmp_path, "check")
    assert got["status"] == 0
    assert got["built"] == []          # nodes and plans are made from what the front end validated


def test_check_imports_only_what_it_uses(tmp_path):
    modules = set(probe(tmp_path, "check")["modules"])
    assert "procdsl.pipeline" in modules
    # pydantic's plugin scan (importlib.metadata reading every installed distribution) runs only
    # when a model validates; the explorer only for an expectation over schedules; json to print JSON
    for name in ("pydantic.plugin._loader", "procdsl.explore.search", "json", "procdsl.report.html"):
        assert name not in modules, name
    # a file that parses is read with the plain tables: Lark (and what it imports) only for an error
    assert not [m for m in modules if m == "lark" or m.startswith(("lark.", "interegular"))]


def test_a_syntax_error_still_gets_lark_s_diagnostic(tmp_path):
    path = tmp_path / "bad.proc"
    path.write_text("program p {\n  x = )\n}\n")
    done = subprocess.run([sys.executable, "-m", "procdsl", "check", str(path)], capture_output=True, text=True)
    assert done.returncode != 0
    assert "bad.proc:2:7: error: unexpected ')': expected '(', '-', '['" in done.stderr


def test_compile_still_prints_the_plan_as_json(tmp_path):
    path = tmp_path / "hello.proc"
    path.write_text(TRIVIAL)
    out = subprocess.run([sys.executable, "-m", "procdsl", "compile", str(path)], capture_output=True,
                         text=True, check=True).stdout
    plans = json.loads(out)
    assert [p["title"] for p in plans] == ["hello"]
    assert list(plans[0]["machine"])[:3] == ["cpus", "scheduler", "context_switch"]


def test_a_command_freezes_its_imports_once(tmp_path):
    got = probe(tmp_path, "check")
    assert got["gc"] is True
    assert got["frozen"] > 10_000          # the modules and classes the command imported
    assert got["frozen_again"] == 0        # a second command in the same process freezes nothing more


def test_importing_leaves_the_collector_as_it_found_it():
    was = gc.isenabled()
    try:
        gc.enable()
        with importing():
            assert not gc.isenabled()
        assert gc.isenabled()
        gc.disable()
        with importing():
            pass
        assert not gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()
