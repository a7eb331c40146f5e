"""`procdsl c` and `procdsl linux`: a scenario as a C program, and that program run on the real kernel and compared."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from procdsl.cli.main import EXIT_ERROR, EXIT_FAILED, EXIT_OK, print_diagnostics


def register(sub) -> None:
    p = sub.add_parser("c", help="write each scenario as an equivalent C program",
                       description="Translate each scenario of FILE into a C program that makes the real system "
                                   "calls (fork, execv, waitpid, kill, sigaction, pipe, dup2, ...), with comments "
                                   "that quote the .proc lines. A statement with no faithful C equivalent is an "
                                   "error that says why (exit status 2).")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--scenario", metavar="N|TITLE", help="only this scenario (number from 1, or title)")
    p.add_argument("-o", "--output", metavar="PATH",
                   help="a .c file (one scenario) or a folder (one FILE-N.c per scenario); default: stdout")

    p = sub.add_parser("linux", help="run each scenario on the real Linux kernel and compare with procdsl",
                       description="Translate each scenario into C, compile it with the system's C compiler, run "
                                   "it (in a fresh PID namespace when run as root) and compare every outcome that "
                                   "procdsl fixes for every schedule with what Linux did: exit statuses, who "
                                   "reaped whom, handlers, failed calls, PIDs, output.")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--scenario", metavar="N|TITLE", help="only this scenario of each file")
    p.add_argument("--runs", type=int, default=2, help="runs on Linux per scenario (default 2)")
    p.add_argument("--scale", type=int, default=10, help="run every duration this many times longer (default 10)")
    p.add_argument("--no-namespace", action="store_true", help="do not use a PID namespace")
    p.add_argument("--keep", metavar="DIR", help="keep each C file, binary and record under DIR")
    p.add_argument("-j", "--jobs", type=int, default=0, help="scenarios at once (default: one per CPU)")
    p.add_argument("-v", "--verbose", action="store_true", help="list every outcome, compared or skipped")


def _units(paths):
    """(unit, [(scenario, plan)]) per file that compiles; diagnostics printed for the others."""
    from procdsl.pipeline import collect, compile_path
    files, missing = collect(paths)
    for path in missing:
        print(f"{path}: error: no such file or folder", file=sys.stderr)
    out, broken = [], bool(missing)
    for path in files:
        unit, plans, diags = compile_path(path)
        if diags:
            print_diagnostics(diags, unit.sources)
            broken = True
            continue
        out.append((unit, list(zip(unit.scenarios, plans))))
    return out, broken


def _select(pairs, which):
    if which is None:
        return pairs
    if which.isascii() and which.isdigit():        # str.isdigit alone takes '²' and other digits
        return pairs[int(which) - 1:int(which)]
    return [(sc, plan) for sc, plan in pairs if plan.title == which]


def _job(unit, scenario):
    programs = dict(unit.programs)
    programs.update({p.name: p for p in scenario.programs})
    sources = unit.sources
    return programs, lambda f, n: sources[f].line(n) if f in sources else ""


def _problem(problem, sources) -> None:
    from procdsl.lang.diagnostics import Diagnostic
    print_diagnostics((Diagnostic(f"no faithful C equivalent: {problem.message}", problem.span,
                                  hint=problem.hint or None),), sources)


def cmd_c(args) -> int:
    from procdsl.cgen import Untranslatable, translate
    if not os.path.isfile(args.file):
        print(f"{args.file}: error: no such file", file=sys.stderr)
        return EXIT_ERROR
    units, broken = _units([args.file])
    if broken or not units:
        return EXIT_ERROR
    unit, pairs = units[0]
    chosen = _select(pairs, args.scenario)
    if not chosen:
        print(f"{args.file}: no scenario {args.scenario!r}" if args.scenario else f"{args.file}: no scenarios",
              file=sys.stderr)
        return EXIT_ERROR
    out = Path(args.output) if args.output else None
    if len(chosen) > 1 and (out is None or out.suffix == ".c"):
        print(f"{args.file} has {len(chosen)} scenarios: choose one with --scenario N, or give -o FOLDER",
              file=sys.stderr)
        return EXIT_ERROR
    status = EXIT_OK
    for sc, plan in chosen:
        programs, line = _job(unit, sc)
        try:
            text = translate(plan, programs, line)
        except Untranslatable as problem:
            _problem(problem, unit.sources)
            status = EXIT_ERROR
            continue
        if out is None:
            sys.stdout.write(text)
            continue
        target = out if out.suffix == ".c" else out / f"{Path(args.file).stem}-{pairs.index((sc, plan)) + 1}.c"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target}", file=sys.stderr)
    return status


def cmd_linux(args) -> int:
    from procdsl.native import Job, Options, check_all, host
    if not sys.platform.startswith("linux"):
        print("procdsl linux: this needs a Linux host", file=sys.stderr)
        return EXIT_ERROR
    cc = host.compiler()
    if cc is None:
        print("procdsl linux: no C compiler found (cc, gcc or clang); install one or set CC", file=sys.stderr)
        return EXIT_ERROR
    if args.runs < 1 or args.scale < 1:
        print("procdsl linux: --runs and --scale must be at least 1", file=sys.stderr)
        return EXIT_ERROR
    units, broken = _units(args.paths)
    jobs, sources = [], []
    for unit, pairs in units:
        for sc, plan in _select(pairs, args.scenario):
            programs, line = _job(unit, sc)
            jobs.append(Job(plan, programs, line))
            sources.append(unit.sources)
    refusal = None if args.no_namespace else host.namespace_refusal()
    print(f"# {cc}; " + ("no PID namespace: " + (refusal or "--no-namespace") + "; PIDs are not compared"
                         if args.no_namespace or refusal else "each run in a PID namespace of its own"))
    options = Options(scale=args.scale, runs=args.runs, namespace=not args.no_namespace,
                      keep=Path(args.keep) if args.keep else None, cc=cc)
    counts = {"agree": 0, "differ": 0, "skipped": 0, "error": 0}
    for verdict, srcs in zip(check_all(jobs, options, args.jobs), sources):
        counts[verdict.status] += 1
        for line in _report(verdict, args.verbose):
            print(line)
        if verdict.problem is not None:
            _problem(verdict.problem, srcs)
        sys.stdout.flush()
    print(f"{counts['agree']} agree, {counts['differ']} differ, {counts['skipped']} skipped, "
          f"{counts['error']} could not run")
    if broken or counts["error"]:
        return EXIT_ERROR
    return EXIT_FAILED if counts["differ"] else EXIT_OK


def _report(v, verbose: bool):
    n = {s: sum(o.status == s for o in v.outcomes) for s in ("agree", "differ", "skipped", "known")}
    head = {"agree": "AGREE", "differ": "DIFFER", "skipped": "SKIP", "error": "ERROR"}[v.status]
    if v.status in ("skipped", "error"):
        yield f"{head} {v.file}: {v.title}: {v.note}"
        return
    known = f", {n['known']} known simplification(s)" if n["known"] else ""
    yield (f"{head} {v.file}: {v.title} ({n['agree']} outcomes agree, {n['differ']} differ{known}, "
           f"{n['skipped']} skipped)")
    if v.note:
        yield f"  note: {v.note}"
    if verbose and v.expectations:
        steady = sum(not failing for _, _, failing in v.expectations)
        yield f"  the scenario's expectations: {steady} of {len(v.expectations)} hold under every schedule tried"
        for where, text, failing in v.expectations:
            if failing:
                yield f"    {where}: expect {text}: fails with {', '.join(failing)}"
    for o in v.outcomes:
        if o.status == "differ":
            yield f"  differ: {o.what}: procdsl {o.procdsl}; Linux {o.linux}"
        elif o.status == "known":
            yield f"  known: {o.what}: procdsl {o.procdsl}; Linux {o.linux} ({o.reason})"
        elif verbose and o.status == "agree":
            yield f"  agree: {o.what}: {o.procdsl}"
        elif verbose:
            yield f"  skipped: {o.what}: {o.reason}"


COMMANDS = {"c": cmd_c, "linux": cmd_linux}
