"""Machine instructions of one kernel run of a SimPy-comparison workload, counted by valgrind, not timed.

`python kernel_instructions.py [WORKLOAD ...] [--until SECONDS] [--python PYTHON]` runs each
workload (default rr_sleepers and cfs_nice, with `until` cut to SECONDS, default 12) under
cachegrind twice, once with one `Kernel.run` and once with two, and prints the difference:
the instructions of one run, without start-up, parsing and compiling. On a machine shared
with others, where CPU times of the same run move by a tenth, the count does not depend on
the load (it does on PYTHONHASHSEED, fixed here), so kernel changes of a per cent can be told
apart; compare counts taken with this script only. `--python` measures another checkout's
interpreter (its procdsl).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT = ("rr_sleepers", "cfs_nice")
CHILD = """
import gc, sys
from procdsl.kernel.loop import Kernel
from procdsl.lang.load import load
from procdsl.pipeline import compile_unit
plan = compile_unit(load(sys.argv[1]))[0]
gc.disable()
for _ in range(int(sys.argv[2])):
    trace = Kernel(plan).run()
print(sum(1 for e in trace.events if e[3] == "switch" and e[2] > 0))
"""


def shortened(text: str, seconds: int) -> str:
    """The workload with its `until` and every `at` of its expectations cut to `seconds`."""
    text = re.sub(r"^(\s*until )\d+s\b", rf"\g<1>{seconds}s", text, flags=re.M)
    return re.sub(r"\bat \d+s\b", f"at {seconds}s", text)


def instructions(python: str, path: str, runs: int) -> tuple[int, int]:
    """(instructions, dispatches) of `python` loading `path` and running its kernel `runs` times."""
    env = dict(os.environ, PYTHONHASHSEED="0")
    # -P: run from a checkout's root, `python -c` would import that checkout's procdsl instead of
    # the one `python` has installed, and --python would measure this checkout twice
    done = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
                           python, "-P", "-c", CHILD, path, str(runs)], capture_output=True, text=True, env=env,
                          check=True)
    refs = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if refs is None:
        raise SystemExit(f"valgrind printed no instruction count:\n{done.stderr[-2000:]}")
    return int(refs.group(1).replace(",", "")), int(done.stdout.split()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workloads", nargs="*", default=list(DEFAULT))
    ap.add_argument("--until", type=int, default=12, metavar="SECONDS")
    ap.add_argument("--python", default=sys.executable)
    args = ap.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("kernel_instructions.py needs valgrind (apt-get install valgrind)")
    with tempfile.TemporaryDirectory() as folder:
        for name in args.workloads:
            with open(os.path.join(HERE, f"{name}.proc"), encoding="utf-8") as fh:
                text = shortened(fh.read(), args.until)
            path = os.path.join(folder, f"{name}.proc")
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
            one, dispatches = instructions(args.python, path, 1)
            two, _ = instructions(args.python, path, 2)
            run = two - one
            print(f"{name} (until {args.until}s): {run:,} instructions a run, {dispatches:,} dispatches, "
                  f"{run / max(dispatches, 1):,.0f} a dispatch")


if __name__ == "__main__":
    main()
