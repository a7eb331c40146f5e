"""Write every plan and trace of some .proc files to one text file, to compare procdsl before and after a patch.

Usage: PYTHONPATH=ROOT python benchmarks/dump_traces.py OUT PATH... [--workloads]
`--workloads` adds small versions of the benchmark's own workloads, which stress the
scheduler and fork paths more than the spec examples do. Diff two outputs byte for byte.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import workloads  # noqa: E402

from procdsl.kernel import run_plan  # noqa: E402
from procdsl.kernel.scheduler import POLICIES  # noqa: E402
from procdsl.lang.diagnostics import CompileError  # noqa: E402
from procdsl.lang.load import load
from procdsl.pipeline import (
    collect,  # noqa: E402
    compile_unit,  # noqa: E402
)
from procdsl.trace.jsonl import format_jsonl  # noqa: E402


def workload_files(folder: str) -> list[str]:
    texts = {"parse.proc": workloads.parse_source(600), "fork-tree.proc": workloads.fork_tree(7, 20, 3)}
    for name in sorted(POLICIES):
        texts[f"cpu-{name}.proc"] = workloads.cpu_bound(60, 3, 7, workloads.scheduler_line(name))
    paths = []
    for name, text in texts.items():
        path = os.path.join(folder, name)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
        paths.append(path)
    return paths


def dump(paths: list[str], out) -> None:
    for path in paths:
        name = os.path.basename(path)
        try:
            plans = compile_unit(load(path))
        except CompileError as err:
            out.write(f"=== {name}: does not compile\n")
            out.writelines(f"{d.span}: {d.message}\n" for d in err.diagnostics)
            continue
        for plan in plans:
            out.write(f"=== {name}: {plan.title}\n")
            plan_json = plan.model_dump_json().replace(os.path.dirname(path), "")
            out.write(f"plan sha256 {hashlib.sha256(plan_json.encode()).hexdigest()}\n")
            for line in format_jsonl(run_plan(plan)):
                out.write(line + "\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("paths", nargs="*")
    ap.add_argument("--workloads", action="store_true")
    args = ap.parse_args()
    files, missing = collect(args.paths)
    if missing:
        ap.error(f"no such file: {', '.join(missing)}")
    with tempfile.TemporaryDirectory(prefix="procdsl-traces-") as folder, \
            open(args.out, "w", encoding="utf-8") as out:
        dump(files + (workload_files(folder) if args.workloads else []), out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
