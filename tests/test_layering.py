"""Layering: the kernel never loads the front end, the checker never loads Lark, only the CLI prints or exits."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT

PACKAGE = ROOT / "procdsl"

# Each package, and the procdsl packages it may load (directly or through what it imports).
# The folders read as the pipeline: ir and core at the bottom, then the front end (lang) and
# the plan, the kernel, the observers of a run (trace, check), reports, grading, the CLI.
ALLOWED: dict[str, set[str]] = {
    "procdsl.ir": set(),
    "procdsl.core": {"procdsl.ir"},
    "procdsl.lang": {"procdsl.ir", "procdsl.core"},
    "procdsl.plan": {"procdsl.ir", "procdsl.core"},
    "procdsl.kernel": {"procdsl.ir", "procdsl.core", "procdsl.plan"},
    "procdsl.trace": {"procdsl.ir", "procdsl.core"},
    "procdsl.check": {"procdsl.ir", "procdsl.core", "procdsl.plan", "procdsl.trace"},
    "procdsl.quiz": {"procdsl.ir", "procdsl.core", "procdsl.lang", "procdsl.plan", "procdsl.kernel", "procdsl.trace",
                     "procdsl.check", "procdsl.pipeline"},
    "procdsl.cgen": {"procdsl.ir", "procdsl.core", "procdsl.plan"},
    "procdsl.native": {"procdsl.ir", "procdsl.core", "procdsl.plan", "procdsl.kernel", "procdsl.cgen", "procdsl.check",
                       "procdsl.trace"},
}


def loaded_after_import(module: str) -> set[str]:
    code = f"import sys, {module}; print('\\n'.join(sorted(sys.modules)))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return set(proc.stdout.split())


def _packages(loaded: set[str]) -> set[str]:
    return {".".join(m.split(".")[:2]) for m in loaded if m.startswith("procdsl.")}


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_each_stage_loads_only_the_stages_below_it(package: str) -> None:
    loaded = loaded_after_import(package)
    extra = sorted(_packages(loaded) - ALLOWED[package] - {package})
    assert not extra, f"importing {package} loads {extra}"
    if "procdsl.lang" not in ALLOWED[package] | {package}:
        assert "lark" not in loaded, f"importing {package} loads lark: only procdsl.lang may"


def test_kernel_does_not_import_the_front_end() -> None:
    loaded = loaded_after_import("procdsl.kernel")
    assert not [m for m in loaded if m == "lark" or m.startswith(("lark.", "procdsl.lang", "procdsl.check"))]


def test_checker_does_not_import_lark() -> None:
    loaded = loaded_after_import("procdsl.check.checker")
    assert not [m for m in loaded if m == "lark" or m.startswith("lark.")]


def test_trace_and_model_stand_alone() -> None:
    loaded = loaded_after_import("procdsl.check.model")
    assert "lark" not in loaded and "procdsl.kernel" not in loaded


def test_no_import_circles() -> None:
    """Every module's procdsl imports, type-checking ones included, form no circle."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(ROOT).with_suffix("")
        name = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
        deps = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("procdsl"):
                deps.add(node.module)
                deps.update(f"{node.module}.{a.name}" for a in node.names)
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names if a.name.startswith("procdsl"))
        graph[name] = deps
    graph = {m: {d for d in deps if d in graph and d != m} for m, deps in graph.items()}
    # a package's face (__init__) re-exporting its own modules is not a circle of theirs
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for d in sorted(graph[m]):
            if d.startswith(m + ".") or m.startswith(d + "."):
                continue
            if state.get(d) == 1:
                raise AssertionError("import circle: " + " -> ".join(stack[stack.index(d):] + [d]))
            if d not in state:
                visit(d)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)


# Modules that break the rule today; strict, so the day they are fixed the list must shrink.
KNOWN_OFFENDERS: dict[str, str] = {}
# The command line (procdsl/cli/) handles arguments and output; `__main__.py` turns main()'s
# status into the exit status. Every stage and library below them stays silent.
CLI_LAYER = ("cli", "__main__.py")


def prints_and_exits(path: Path) -> list[str]:
    """Calls to print(), sys.exit(), exit() or quit(), and `raise SystemExit`, found in the syntax tree."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        what = None
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name) and f.id in ("print", "exit", "quit"):
                what = f"{f.id}()"
            elif isinstance(f, ast.Attribute) and f.attr in ("exit", "_exit") and \
                    isinstance(f.value, ast.Name) and f.value.id in ("sys", "os"):
                what = f"{f.value.id}.{f.attr}()"
        elif isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(exc, ast.Name) and exc.id == "SystemExit":
                what = "raise SystemExit"
        if what:
            where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
            found.append(f"{where}:{node.lineno}: {what}")
    return found


def modules() -> list:
    out = []
    # __main__.py is the `python -m procdsl` shim: turning main()'s status into the exit status is its job
    for path in sorted(p for p in PACKAGE.rglob("*.py")
                       if p.name not in CLI_LAYER and p.relative_to(PACKAGE).parts[0] not in CLI_LAYER):
        rel = path.relative_to(PACKAGE).as_posix()
        marks = [pytest.mark.xfail(strict=True, reason=KNOWN_OFFENDERS[rel])] if rel in KNOWN_OFFENDERS else []
        out.append(pytest.param(path, id=rel, marks=marks))
    return out


@pytest.mark.parametrize("path", modules())
def test_only_the_cli_prints_or_exits(path: Path) -> None:
    offending = prints_and_exits(path)
    assert not offending, "\n".join(offending)


def test_the_print_finder_finds_prints(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import sys\ndef print_it(x):\n    print(x)\n    sys.exit(1)\n"
                      "def f():\n    raise SystemExit(2)\nclass T:\n    def print(self): 'exit(p)'\n")
    assert sorted(line.split(": ", 1)[1] for line in prints_and_exits(sample)) == \
        ["print()", "raise SystemExit", "sys.exit()"]


# Every module of a package, lazy imports inside functions included, read from the source: what
# each package may name. The CLI, at the top, may name every package.
NAMES: dict[str, set[str]] = {
    **ALLOWED,
    "procdsl.pipeline": {"procdsl.ir", "procdsl.core", "procdsl.lang", "procdsl.plan", "procdsl.kernel",
                         "procdsl.check", "procdsl.trace"},
    "procdsl.report": {"procdsl.ir", "procdsl.core", "procdsl.plan", "procdsl.kernel", "procdsl.trace",
                       "procdsl.check"},
    "procdsl.grading": {"procdsl.ir", "procdsl.core", "procdsl.lang", "procdsl.plan", "procdsl.check",
                        "procdsl.trace", "procdsl.pipeline", "procdsl.report"},
    "procdsl.pytest_plugin": {"procdsl.lang", "procdsl.pipeline", "procdsl.report"},
}
TOP = {"procdsl.cli", "procdsl.__main__"}


def _named_packages(path) -> set[str]:
    import ast
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module] + ([f"{node.module}.{a.name}" for a in node.names] if node.module == "procdsl" else [])
        elif isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        else:
            continue
        names |= {".".join(m.split(".")[:2]) for m in modules if m.startswith("procdsl.")}
    return names - {"procdsl.__version__"}


def test_no_module_names_a_package_above_its_own() -> None:
    """Lazy imports too: a function-level import of a higher stage is the same circle, only later."""
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if len(parts) < 2 or parts[1] == "__init__":
            continue
        package = ".".join(parts[:2])
        if package in TOP:
            continue
        assert package in NAMES, f"{package} is a new package: give it a row in NAMES (what it may import)"
        extra = _named_packages(path) - NAMES[package] - {package}
        if extra:
            wrong.append(f"{path.relative_to(ROOT)} imports {sorted(extra)}")
    assert not wrong, "\n".join(wrong)
