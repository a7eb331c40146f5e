"""`procdsl stats FILE` and `procdsl compare FILE --schedulers ...`: scheduling metrics as tables or JSON.

The metrics come from `procdsl.report.compare`; this module only lays them out.
"""

from __future__ import annotations

import json
import sys
from typing import Any, Optional

from procdsl.ir.unparse import format_duration
from procdsl.plan import EventPlan
from procdsl.report import stats
from procdsl.report.compare import SCHEDULERS, compare, run_stats

EXIT_OK, EXIT_ERROR = 0, 2



def _out(line: str = "", stream: Any = None) -> None:
    (stream or sys.stdout).write(line + "\n")


def register(sub) -> None:
    p = sub.add_parser("stats", help="per-process and per-CPU scheduling metrics of a run",
                       description="Run the scenarios of FILE and show, per process, run time, wait time, "
                                   "response time, turnaround, scheduling delays, switches and migrations "
                                   "(as `perf sched latency` does), and per CPU utilization, idle time and "
                                   "switches. Times in ms.")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--seed", type=int, help="override the machine seed")
    p.add_argument("--scenario", metavar="N|TITLE", help="only this scenario (number from 1, or title)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--submission", action="append", metavar="FILE")

    p = sub.add_parser("compare", help="run a scenario under several schedulers and compare their metrics",
                       description="Run each scenario of FILE once per scheduler, the workload unchanged, and "
                                   "print the metrics side by side. A scheduler keeps the scenario's settings "
                                   "when the scenario names it, and its defaults otherwise.")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--schedulers", default="fifo,sjf,stcf,rr,mlfq,cfs,eevdf",
                   help="comma-separated policies (default: fifo,sjf,stcf,rr,mlfq,cfs,eevdf)")
    p.add_argument("--seed", type=int, help="override the machine seed")
    p.add_argument("--scenario", metavar="N|TITLE", help="only this scenario (number from 1, or title)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--submission", action="append", metavar="FILE")


def _plans(args) -> Optional[list[EventPlan]]:
    from procdsl.cli.run import _compile_or_report, select
    plans = _compile_or_report(args.file, args.submission)
    if plans is None:
        return None
    chosen = select(plans, args.scenario)
    if not chosen:
        _out(f"no scenario {args.scenario!r} in {args.file}", sys.stderr)
        return None
    return chosen


def _ms(ns: Optional[int]) -> str:
    return "-" if ns is None else f"{ns / 1e6:.3f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    fmt = lambda r: " | ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))  # noqa: E731
    rule = "-+-".join("-" * w for w in widths)
    return [fmt(header), rule] + [fmt(r) for r in rows]


def cmd_stats(args) -> int:
    plans = _plans(args)
    if plans is None:
        return EXIT_ERROR
    reports = [run_stats(plan, args.seed) for plan in plans]
    if args.format == "json":
        _out(json.dumps([{k: v for k, v in r.items() if k != "_result"} for r in reports], indent=2))
        return EXIT_OK
    for r in reports:
        _out(f"# {r['title']}  (scheduler {r['scheduler']}; run ended: {r['end_reason']} at "
             f"{format_duration(r['end_time'])})")
        header = ["Task", "Runtime ms", "Wait ms", "Response ms", "Turnaround ms", "Avg delay ms", "Max delay ms",
                  "Switches", "Vol", "Invol", "Migr"]
        rows = [[f"{p['name']}:{p['pid']}", _ms(p["runtime"]), _ms(p["wait"]), _ms(p["response"]),
                 _ms(p["turnaround"]), _ms(p["avg_delay"]), _ms(p["max_delay"]), str(p["switches"]),
                 str(p["voluntary"]), str(p["involuntary"]), str(p["migrations"])] for p in r["processes"]]
        s = r["summary"]
        rows.append(["AVERAGE / TOTAL", "", _ms(s["avg_wait"]), _ms(s["avg_response"]), _ms(s["avg_turnaround"]),
                     "", _ms(s["max_delay"]), "", "", str(s["involuntary"]), str(s["migrations"])])
        for line in _table(header, rows):
            _out(line)
        _out()
        cpu_rows = [[f"cpu{c['cpu']}", f"{100 * c['utilization']:.1f}%", _ms(c["busy"]), _ms(c["idle"]),
                     str(c["switches"])] for c in r["cpus"]]
        for line in _table(["CPU", "Utilization", "Busy ms", "Idle ms", "Switches"], cpu_rows):
            _out(line)
        _out()
        if r["energy"] is not None:
            _energy(r["energy"])
    return EXIT_OK


def _energy(e: dict) -> None:
    """Idle residency per state and energy per CPU, under the run's power model."""
    states = list(e["cpus"][0]["residency"])
    rows = [[f"cpu{c['cpu']}"] + [_ms(c["residency"][s]) for s in states] + [f"{c['energy_mj']:.3f}"]
            for c in e["cpus"]]
    rows.append(["TOTAL"] + [""] * len(states) + [f"{e['energy_mj']:.3f}"])
    for line in _table(["CPU"] + [f"{s} ms" for s in states] + ["Energy mJ"], rows):
        _out(line)
    _out(f"power model {e['model']}: {e['wakeups']} wake-up(s) from a sleep state, "
         f"{_ms(e['exit_latency'])} ms of exit latency in all")
    _out()


def cmd_compare(args) -> int:
    names = [n.strip() for n in args.schedulers.split(",") if n.strip()]
    unknown = [n for n in names if n not in SCHEDULERS]
    if unknown or not names:
        _out(f"procdsl: error: unknown scheduler {', '.join(unknown) or '(none given)'}; "
             f"choose from {', '.join(SCHEDULERS)}", sys.stderr)
        return EXIT_ERROR
    plans = _plans(args)
    if plans is None:
        return EXIT_ERROR
    results = [compare(plan, names, args.seed) for plan in plans]
    if args.format == "json":
        _out(json.dumps(results, indent=2))
        return EXIT_OK
    labels = {"avg_turnaround": "avg turnaround ms", "avg_response": "avg response ms", "avg_wait": "avg wait ms",
              "max_delay": "max delay ms", "switches": "switches (all CPUs)", "involuntary": "involuntary switches",
              "migrations": "migrations", "makespan": "last exit ms"}
    for res in results:
        _out(f"# {res['title']}")
        runs = res["schedulers"]
        header = ["metric"] + names
        rows = []
        for key in stats.SUMMARY_COLUMNS:
            cells = []
            for n in names:
                s = runs[n].get("summary")
                v = s[key] if s else None
                cells.append("n/a" if s is None else (_ms(v) if key in ("avg_turnaround", "avg_response", "avg_wait",
                                                                         "max_delay", "makespan") else str(v)))
            rows.append([labels[key]] + cells)
        rows.append(["expectations hold"] + [f"{runs[n]['expectations']['hold']}/{runs[n]['expectations']['total']}"
                                             if "expectations" in runs[n] else "n/a" for n in names])
        if any(runs[n].get("energy") for n in names):
            rows.append(["energy mJ"] + [f"{runs[n]['energy']['energy_mj']:.3f}" if runs[n].get("energy") else "n/a"
                                         for n in names])
            rows.append(["exit latency ms"] + [_ms(runs[n]["energy"]["exit_latency"]) if runs[n].get("energy")
                                               else "n/a" for n in names])
        rows.append(["run ended"] + [runs[n].get("end_reason", "n/a") for n in names])
        for line in _table(header, rows):
            _out(line)
        procs = []
        for n in names:
            for p in runs[n].get("processes", []):
                if p["name"] not in procs and p["pid"] != 1:
                    procs.append(p["name"])
        if procs:
            _out()
            prow = []
            for pname in procs:
                cells = []
                for n in names:
                    match = [p for p in runs[n].get("processes", []) if p["name"] == pname]
                    cells.append(_ms(match[0]["turnaround"]) if match else "-")
                prow.append([pname] + cells)
            for line in _table(["turnaround ms"] + names, prow):
                _out(line)
        for n in names:
            if "skipped" in runs[n]:
                _out(f"  {n}: {runs[n]['skipped']}")
        _out()
    return EXIT_OK


COMMANDS = {"stats": cmd_stats, "compare": cmd_compare}
