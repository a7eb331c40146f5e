"""How `procdsl check` grows: with processes (1k, 10k, 100k) and with simulated time (1×, 10×).

`python benchmarks/versus/scaling.py [--rounds N] [--big]` writes each case into a temporary
folder, runs `procdsl check CASE.proc` as a whole process N times (default 1), and prints the
median CPU seconds and peak memory (os.wait4) of each, with the growth from the case before.
`--big` adds the 100,000-process and the 100× cases (about a minute each).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile

from compare import measure

WAITS = """scenario "{n} children, all exited, reaped one wait at a time" {{
  machine {{
    cpus 4
    pid_max {limit}
    max_processes {limit}
    max_events 100000000
  }}
  program parent {{
    repeat {n} {{
      fork child {{ compute 1us }}
    }}
    sleep 1s
    repeat {n} {{
      wait
    }}
  }}
  run parent
  expect count(child) == {n}
  expect exit_code(parent) == 0
}}
"""

ZOMBIES = """scenario "never zombies > N over a {n}-process tree" {{
  machine {{
    cpus 8
    pid_max {limit}
    max_processes {limit}
    max_events 100000000
  }}
  program tree {{
    repeat {mids} {{
      fork mid {{
        repeat 100 {{
          fork leaf {{ compute 10us }}
        }}
        compute 1ms
        repeat 100 {{
          wait
        }}
      }}
    }}
    repeat {mids} {{
      wait
    }}
  }}
  run tree
  expect never zombies > {n}
}}
"""

RR = """scenario "1,000 tasks x (compute 10 ms, sleep 20 ms), 8 CPUs, RR 4 ms, {s} s" {{
  machine {{
    cpus 8
    scheduler rr {{ quantum 4ms }}
    max_events 1000000000
  }}
  program launcher {{
    repeat 1000 {{
      fork task {{
        loop {{
          compute 10ms
          sleep 20ms
        }}
      }}
    }}
  }}
  run launcher
  until {s}s
  expect count(task) == 1000
  expect alive(task[999]) at {s}s
}}
"""


def cases(big: bool) -> list[tuple[str, str, str]]:
    """(series, case name, text), each series in growing order."""
    out = []
    for n in (1_000, 10_000) + ((100_000,) if big else ()):
        out.append(("wait", f"{n:,} children", WAITS.format(n=n, limit=n + 10)))
    for n in (1_000, 10_000) + ((100_000,) if big else ()):
        out.append(("never zombies", f"{n:,}-process tree", ZOMBIES.format(n=n, mids=n // 100, limit=n + 200)))
    for s in (12, 120) + ((1200,) if big else ()):
        out.append(("rr_sleepers", f"{s} s simulated", RR.format(s=s)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--big", action="store_true")
    args = ap.parse_args()
    procdsl = [sys.executable, "-m", "procdsl", "check"]
    print(f"{'series':<14} {'case':<22} {'CPU s':>7} {'growth':>7} {'peak MiB':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        last: dict[str, float] = {}
        for series, name, text in cases(args.big):
            path = os.path.join(tmp, f"case{len(last)}_{abs(hash(name))}.proc")
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            runs = [measure(procdsl + [path]) for _ in range(args.rounds)]
            cpu, peak = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
            growth = f"{cpu / last[series]:.1f}x" if series in last else ""
            last[series] = cpu
            print(f"{series:<14} {name:<22} {cpu:>7.2f} {growth:>7} {peak:>9.1f}", flush=True)


if __name__ == "__main__":
    main()
