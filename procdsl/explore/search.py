"""The explorer: every schedule of one compiled plan, depth first over the choice tree,
with state hashing, a preemption bound, bounded runs and time, or seeded random sampling.

Each schedule is one kernel run of the same plan: a `Script` chooser replays a prefix of
choices and takes option 0 past it, recording the width of every choice it meets; the next
schedule is the deepest choice with an option left (stateless search, as CHESS does). The
choice tree already leaves out what needs no second order (kernel/chooser.py: choices only
before visible statements, idle CPUs alike offered once); state hashing stops a run at a
state an earlier run has been in with at least as many preemptions left. Without a bound
the search deepens: all schedules with 0 preemptions, then 1, ... until a level meets no
bound (every schedule was covered) or the budget ends (docs/design.md §8).
"""

from __future__ import annotations

import gc
import itertools
import os
import random
import time
from typing import Any, Callable, Optional

from procdsl.core.gcpause import paused_gc
from procdsl.explore.bounds import MAX_RUNS, MAX_SECONDS, Bounds  # noqa: F401 - MAX_*: the explore command's defaults
from procdsl.explore.outcome import Gatherer, Outcome
from procdsl.explore.reduce import SleepSets, reading, reducible
from procdsl.explore.result import Exploration, Level, Verdicts
from procdsl.kernel.chooser import WINDOW, Pruned, Script, format_schedule
from procdsl.kernel.footprint import Reading
from procdsl.kernel.loop import Kernel
from procdsl.kernel.statehash import digest
from procdsl.plan import EventPlan

MAX_OUTCOMES = 10_000      # distinct outcomes kept; past it the exploration stops
MAX_STATES = 2_000_000     # states remembered for hashing; past it no new one is remembered
MAX_JOBS = 64
GC_EVERY = 1000           # runs between two collections of the runs' cyclic garbage
UNBOUNDED_SHARE = 4        # without a bound, the try at every schedule gets 1/4 of the runs

Judge = Callable[[Any], tuple]     # a finished run's trace -> one verdict (bool) per expectation


# ---------------------------------------------------------------------- one run
class _Hasher:
    """State hashing: the explorer's `visit`, called before each choice past a run's prefix."""

    __slots__ = ("seen", "gather")

    def __init__(self) -> None:
        self.seen: dict[bytes, tuple[int, frozenset]] = {}
        self.gather = Gatherer()

    def visit(self, k: Any, script: Script) -> None:
        g = self.gather
        g.feed(k.events)
        extra = tuple(sorted((c, p.pid) for c, p in script.armed.items() if p is not None))
        key = digest(k, g.so_far(), extra)
        used = script.used
        asleep = script.por.key() if script.por is not None else frozenset()
        before = self.seen.get(key)
        # seen with as many preemptions left and no more options asleep: its futures are covered
        if before is not None and before[0] <= used and before[1] <= asleep:
            raise Pruned("seen")
        if before is None and len(self.seen) < MAX_STATES:
            self.seen[key] = (used, asleep)


class _Sampler(Script):
    """Past its prefix, a random option at each choice (a window: one of its ends or the draw)."""

    __slots__ = ("pick_rng",)

    def choose(self, k: Any, kind: str, n: int, cpu: int, pids: tuple, default: int = 0,
               capped: bool = False) -> int:
        if self.pos >= len(self.script):
            default = self.pick_rng.choice((default, 0, n - 1)) if kind == WINDOW else self.pick_rng.randrange(n)
        return super().choose(k, kind, n, cpu, pids, default, capped)


def run_schedule(plan: EventPlan, seed: Optional[int], prefix: tuple, bound: Optional[int] = None,
                 hasher: Optional[_Hasher] = None, pick_rng: Optional[random.Random] = None,
                 tried: Optional[dict] = None, por: Optional[Reading] = None) -> tuple[Script, Any]:
    """One run under `prefix`; returns its chooser and its trace (None: stopped, its futures covered;
    the chooser's `stopped` says why)."""
    box: list[Script] = []

    def make(rng: Any) -> Script:
        if pick_rng is not None:
            s: Script = _Sampler(rng, prefix, bound)
            s.pick_rng = pick_rng                   # type: ignore[attr-defined]
        else:
            s = Script(rng, prefix, bound, hasher.visit if hasher is not None else None,
                       SleepSets(tried, por or Reading()) if tried is not None else None)
        box.append(s)
        return s

    if hasher is not None:
        hasher.gather = Gatherer()
    try:
        trace = Kernel(plan, seed, make).run()       # the collector is paused for the whole search
    except Pruned as why:
        return box[0], why.why
    box[0].finish()
    return box[0], trace


def alternatives(taken: tuple) -> list[int]:
    """The options still to try at a recorded choice: every other one (a window: its two ends)."""
    kind, i, n, awake = taken[0], taken[1], taken[2], taken[7]
    if awake is not None:
        return [x for x in awake if x != i]
    if kind == WINDOW:
        return [x for x in dict.fromkeys((0, n - 1)) if x != i]
    return [x for x in range(n) if x != i]


# ---------------------------------------------------------------------- the depth-first search
class _Budget:
    """Runs and seconds left. The seconds are this process's CPU time, not the wall clock's: an
    exploration is all computation, and on a loaded machine (a grader running a class, a CI
    runner) the wall clock would cut it short and turn a verdict into a matter of the load."""

    __slots__ = ("runs", "deadline", "wall_deadline")

    def __init__(self, runs: int, seconds: float, wall: Optional[float] = None) -> None:
        self.runs = runs
        self.deadline = _cpu() + seconds
        self.wall_deadline = time.monotonic() + wall if wall is not None else None

    def spent(self) -> str:
        if self.runs <= 0:
            return "the limit on runs"
        if _cpu() >= self.deadline or (self.wall_deadline is not None and time.monotonic() >= self.wall_deadline):
            return "the time limit"
        return ""

    def seconds_left(self) -> tuple[float, Optional[float]]:
        wall = max(0.0, self.wall_deadline - time.monotonic()) if self.wall_deadline is not None else None
        return max(0.0, self.deadline - _cpu()), wall


def _cpu() -> float:
    """CPU seconds of this process and of its children once reaped: a parallel level's workers
    are reaped when it ends, so the next level starts with what they spent taken off."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def dfs(plan: EventPlan, seed: Optional[int], bound: Optional[int], root: tuple, budget: _Budget,
        bounds: Bounds, judge: Optional[Judge], into: Exploration, level: Level,
        root_tried: Optional[dict] = None) -> None:
    """Every schedule that starts with `root` (choices past it free), depth first; `root_tried`:
    the options sibling subtrees took first at the root's choices (they stay asleep here)."""
    tried: Optional[dict[int, list[int]]] = (dict(root_tried or {}) if bounds.reduction and reducible(plan)
                                             else None)
    hashing = bounds.hashing if bounds.hashing is not None else tried is None
    hasher = _Hasher() if hashing else None
    por = reading(plan, judge is not None)
    path: list[int] = list(root)
    todo: list[list[int]] = [[] for _ in root]        # options left per position; none inside the root
    prefix = tuple(root)
    while True:
        why = budget.spent()
        if why:
            into.stopped = why
            return
        script, trace = run_schedule(plan, seed, prefix, bound, hasher, None, tried, por)
        budget.runs -= 1
        if level.runs % GC_EVERY == GC_EVERY - 1:
            gc.collect()             # the runs' process trees are cycles; the collector is paused
        level.runs += 1
        if script.error:                               # the tree changed under a prefix: a kernel bug
            raise RuntimeError(script.error)
        taken = script.taken
        for t in taken[len(prefix):]:
            path.append(t[1])
            todo.append(alternatives(t))
        level.cut = level.cut or script.bounded
        if isinstance(trace, str):
            if trace == "seen":
                level.pruned += 1
            else:
                level.asleep += 1
        else:
            sched = format_schedule(path)
            into.add(_outcome(trace), sched, judge(trace) if judge is not None else ())
            if len(into.outcomes) >= MAX_OUTCOMES:
                into.stopped = f"the limit of {MAX_OUTCOMES:,} distinct outcomes"
                return
        j = len(todo) - 1
        while j >= len(root) and not todo[j]:
            j -= 1
        if j < len(root):
            level.complete = True
            return
        if tried is not None:
            tried[j] = tried.get(j, []) + [path[j]]
            for later in [pos for pos in tried if pos > j]:
                del tried[later]
        del path[j:]
        del todo[j + 1:]
        path.append(todo[j].pop(0))
        prefix = tuple(path)


def _outcome(trace: Any) -> Outcome:
    g = Gatherer()
    g.feed(trace.events)
    return g.outcome(trace.end_reason)


# ---------------------------------------------------------------------- parallel subtrees
def _split(plan: EventPlan, seed: Optional[int], bound: Optional[int], want: int, budget: _Budget,
           bounds: Bounds, judged: bool) -> list[tuple]:
    """Roots of disjoint subtrees that together hold every schedule, each with the options its
    earlier siblings took (asleep in it): a run's first free choice becomes one root per
    option, breadth first, until there are `want`."""
    reduced = bounds.reduction and reducible(plan)
    por = reading(plan, judged)
    roots: list[tuple] = [((), {})]
    for _ in range(8):
        if len(roots) >= want:
            break
        grown: list[tuple] = []
        for r, tried in roots:
            script, _trace = run_schedule(plan, seed, r, bound, None, None, dict(tried) if reduced else None, por)
            budget.runs -= 1
            if len(script.taken) <= len(r):
                grown.append((r, tried))
                continue
            t = script.taken[len(r)]
            options = [t[1]] + alternatives(t)
            grown.extend((r + (x,), {**tried, len(r): options[:n]}) for n, x in enumerate(options))
        if len(grown) == len(roots):
            break
        roots = grown
    return roots


_WORK: dict[str, Any] = {}


def _subtree(args: tuple) -> tuple[Exploration, Level]:
    root, tried, bound, runs, (seconds, wall) = args
    plan, seed, bounds, judge = _WORK["plan"], _WORK["seed"], _WORK["bounds"], _WORK["judge"]
    into = Exploration(verdicts=[Verdicts() for _ in _WORK["nverdicts"]])
    level = Level(bound)
    dfs(plan, seed, bound, root, _Budget(runs, seconds, wall), bounds, judge, into, level, tried)
    return into, level


def _level_parallel(plan: EventPlan, seed: Optional[int], bound: Optional[int], bounds: Bounds, budget: _Budget,
                    judge: Optional[Judge], into: Exploration, nverdicts: int) -> Level:
    # Imported here: `check` imports this module for every file and seldom runs in parallel.
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context
    level = Level(bound)
    before = budget.runs
    roots = _split(plan, seed, bound, 4 * bounds.jobs, budget, bounds, judge is not None)
    level.runs += before - budget.runs
    share = max(1, budget.runs // max(1, len(roots)))
    seconds = budget.seconds_left()          # each worker's own CPU time, from its start (and the wall's)
    _WORK.update(plan=plan, seed=seed, bounds=bounds, judge=judge, nverdicts=range(nverdicts))
    with ProcessPoolExecutor(max_workers=bounds.jobs, mp_context=get_context("fork")) as pool:
        parts = list(pool.map(_subtree, [(r, tried, bound, share, seconds) for r, tried in roots]))
    level.complete = True
    for part, lv in parts:
        into.merge(part)
        level.runs += lv.runs
        level.pruned += lv.pruned
        level.asleep += lv.asleep
        level.cut = level.cut or lv.cut
        level.complete = level.complete and lv.complete
        if part.stopped and not into.stopped:
            into.stopped = part.stopped
    budget.runs -= level.runs - (before - budget.runs)
    return level


# ---------------------------------------------------------------------- the entry
def explore(plan: EventPlan, bounds: Bounds = Bounds(), seed: Optional[int] = None,  # noqa: B008 - frozen
            judge: Optional[Judge] = None, nverdicts: int = 0) -> Exploration:
    """The distinct outcomes of `plan` over its schedules, within `bounds`."""
    with paused_gc():
        return _explore(plan, bounds, seed, judge, nverdicts)


def _explore(plan: EventPlan, bounds: Bounds, seed: Optional[int], judge: Optional[Judge],
             nverdicts: int) -> Exploration:
    start = time.monotonic()
    into = Exploration(verdicts=[Verdicts() for _ in range(nverdicts)], seed=bounds.seed)
    budget = _Budget(bounds.max_runs, bounds.max_seconds, bounds.max_wall_seconds)
    if bounds.random:
        _sample(plan, seed, bounds, budget, judge, into)
    else:
        # no bound given: first every schedule, on a part of the budget; if that does not
        # finish, deepen the bound from 0 with what is left
        levels: Any = [bounds.preemptions] if bounds.preemptions is not None else \
            itertools.chain([None], itertools.count(0))
        jobs = max(1, min(bounds.jobs, MAX_JOBS))
        for bound in levels:
            if bound is None:
                budget.runs, rest = max(1, bounds.max_runs // UNBOUNDED_SHARE), budget.runs
            if bound == 0 and into.levels and into.levels[0].bound is None:
                budget.runs = rest - into.levels[0].runs
                into.stopped = ""
                into.outcomes.clear()
                into.verdicts = [Verdicts() for _ in range(nverdicts)]
            if jobs > 1:
                level = _level_parallel(plan, seed, bound, bounds, budget, judge, into, nverdicts)
            else:
                level = Level(bound)
                dfs(plan, seed, bound, (), budget, bounds, judge, into, level)
            into.levels.append(level)
            into.runs += level.runs
            into.pruned += level.pruned
            if bound is None:
                if level.complete:
                    break
                continue
            if not level.complete or not level.cut or into.stopped:
                break
            if bounds.preemptions is None and budget.spent():
                into.stopped = budget.spent()
                break
    into.seconds = time.monotonic() - start
    return into


def _sample(plan: EventPlan, seed: Optional[int], bounds: Bounds, budget: _Budget, judge: Optional[Judge],
            into: Exploration) -> None:
    for i in range(bounds.random):
        why = budget.spent()
        if why:
            into.stopped = why
            break
        script, trace = run_schedule(plan, seed, (), bounds.preemptions, None, random.Random(f"{bounds.seed}:{i}"))
        budget.runs -= 1
        into.runs += 1
        into.sampled += 1
        into.add(_outcome(trace), script.schedule, judge(trace) if judge is not None else ())
