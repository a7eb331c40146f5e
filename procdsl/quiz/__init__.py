"""Exercises from a seed: a generated scenario with its answers left blank, and the solution procdsl computes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from procdsl.quiz import forks, mlfq, multi, pipes, scheduling, signals, states
from procdsl.quiz.draw import Draw
from procdsl.quiz.exercise import Exercise, Question, render
from procdsl.quiz.solve import QuizError, check_text, solution


@dataclass(frozen=True)
class Kind:
    name: str
    summary: str
    chapter: str
    make: Callable[[Draw, int], Exercise]


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("fork", "fork trees: how many processes, what prints, the tree, zombies and orphans",
         "OSTEP ch. 5, Interlude: Process API", forks.generate),
    Kind("sched", "FIFO, SJF, STCF or RR: the order, response, turnaround and waiting times",
         "OSTEP ch. 7, Scheduling: Introduction", scheduling.generate),
    Kind("mlfq", "the multi-level feedback queue: long jobs, late arrivals, I/O, boosts",
         "OSTEP ch. 8, Scheduling: The Multi-Level Feedback Queue", mlfq.generate),
    Kind("states", "process states with I/O, in the spirit of process-run.py",
         "OSTEP ch. 4, The Abstraction: The Process", states.generate),
    Kind("multi", "two CPUs with caches: one queue or one per CPU, stealing, where and when jobs finish",
         "OSTEP ch. 10, Multiprocessor Scheduling", multi.generate),
    Kind("signals", "handlers, ignored, default and blocked signals, and the wait status",
         "OSTEP ch. 5, Interlude: Process API (5.5)", signals.generate),
    Kind("pipes", "end of file, a forgotten close, SIGPIPE and EPIPE, shell pipelines",
         "OSTEP ch. 5, Interlude: Process API (5.4)", pipes.generate),
)}


def exercise(kind: str, seed: int) -> Exercise:
    """The exercise of that kind for that seed: the same on every machine and Python version."""
    return KINDS[kind].make(Draw(seed), seed)


def problem(kind: str, seed: int) -> str:
    return render(exercise(kind, seed))


__all__ = ["KINDS", "Exercise", "Question", "QuizError", "check_text", "exercise", "problem", "solution"]
