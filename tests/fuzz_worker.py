"""A fuzzing worker: reads .proc paths on stdin, runs procdsl's commands on each, answers one JSON line each.

Run by tests/test_fuzz.py as `python tests/fuzz_worker.py MEMORY_MB` with a chosen PYTHONHASHSEED, so
that the same input's traces can be compared across hash seeds; its address space is limited, so an
input that would exhaust the host fails with MemoryError here instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import resource
import sys
import time

OOPS = ("internal error", "Traceback", "MemoryError", "RecursionError")


def _strict_json(text: str) -> bool:
    def refuse(name: str):
        raise ValueError(f"{name} is not JSON")
    try:
        json.loads(text, parse_constant=refuse)
    except ValueError:
        return False
    return True


def command(argv: list[str]) -> tuple[int, str]:
    from procdsl.cli.main import main
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as stop:             # argparse misuse
            code = stop.code if isinstance(stop.code, int) else 2
    return code, out.getvalue() + "\x00" + err.getvalue()


def examine(path: str) -> dict:
    import procdsl.pipeline as pipeline
    from procdsl.trace.jsonl import format_jsonl
    from procdsl.trace.text import format_text

    traces = hashlib.sha256()
    real = pipeline.check_path

    def check_path(*args, **kwargs):
        result = real(*args, **kwargs)
        for sc in result.scenarios:
            if sc.trace is not None:
                for line in format_jsonl(sc.trace):
                    traces.update(line.encode("utf-8", "surrogatepass") + b"\n")
                for line in format_text(sc.trace):
                    line.encode("utf-8", "surrogatepass")
        return result

    started = time.process_time()
    pipeline.check_path = check_path
    try:
        code, text = command(["check", path])
    finally:
        pipeline.check_path = real
    compiled, plan_json = command(["compile", path])
    problems = [line.replace(path, "fuzz.proc").strip() for line in text.splitlines() + plan_json.splitlines()
                if any(w in line for w in OOPS)]
    if compiled == 0 and not _strict_json(plan_json.split("\x00")[0]):
        problems.append("`procdsl compile` printed something that is not JSON")
    return {"code": code, "compile_code": compiled, "problems": problems[:5],
            "output": hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
            "traces": traces.hexdigest(), "cpu": time.process_time() - started,
            "ends": [line for line in text.splitlines() if line.startswith("  (run ended")][:3]}


def main() -> None:
    memory_mb = int(sys.argv[1]) if len(sys.argv) > 1 else 2048
    if memory_mb:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    import procdsl.cli.run  # noqa: F401 - loaded before the first input, so its time is not an input's
    for line in sys.stdin:
        try:
            answer = examine(line.rstrip("\n"))
        except BaseException as exc:  # noqa: BLE001 - report, then carry on with the next input
            answer = {"code": -1, "problems": [f"the worker raised {type(exc).__name__}: {exc}"[:500]]}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
