"""The plan is built without pydantic's validation (plan.schema.make): it must be the plan a validated
construction makes, field for field, with the same JSON, on every scenario of the repository."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from procdsl import ir, pipeline
from procdsl.ir.span import Span
from procdsl.lang.source import Source
from procdsl.plan import EventPlan, Limits, MachineConfig, PlanModel, SchedulerConfig, Start
from procdsl.plan.schema import make

ROOT = Path(__file__).resolve().parent.parent
SPEC = Path("/work/shared/spec")
FILES = sorted(p for d in ("scenarios", "docs", "tests", "benchmarks") for p in (ROOT / d).rglob("*.proc"))
FILES += sorted(SPEC.rglob("*.proc")) if SPEC.is_dir() else []


def validated(value):
    """The same value with every plan model in it made again by pydantic from the fields it was given."""
    if isinstance(value, PlanModel):
        return type(value)(**{name: validated(getattr(value, name)) for name in value.model_fields_set})
    if isinstance(value, tuple):
        return tuple(validated(v) for v in value)
    if isinstance(value, dict):
        return {k: validated(v) for k, v in value.items()}
    return value


def assert_same(a, b, where: str = "plan") -> None:
    """Equal, and equal in every detail pydantic keeps: types, field order, the fields set."""
    assert type(a) is type(b), where
    if isinstance(a, BaseModel):
        assert list(a.__dict__) == list(b.__dict__), where
        assert a.model_fields_set == b.model_fields_set, where
        for name in a.__dict__:
            assert_same(a.__dict__[name], b.__dict__[name], f"{where}.{name}")
    elif isinstance(a, (tuple, list)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for k in a:
            assert_same(a[k], b[k], f"{where}[{k!r}]")
    else:
        assert a == b, where


def test_there_are_scenarios_to_compare():
    assert len(FILES) > 100


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(p.parents[1])))
def test_every_plan_is_the_validated_plan(path):
    _unit, plans, _diags = pipeline.compile_path(str(path))
    for plan in plans:
        again = validated(plan)
        assert plan == again
        assert_same(plan, again)
        assert plan.model_dump_json(indent=2) == again.model_dump_json(indent=2)


def test_defaults_are_what_validation_gives():
    for cls in (SchedulerConfig, Limits, MachineConfig):
        assert_same(make(cls), cls())
    assert_same(MachineConfig.model_fields["scheduler"].default, SchedulerConfig())
    assert_same(make(MachineConfig, cpus=2, limits=make(Limits, max_events=5)),
                MachineConfig(cpus=2, limits=Limits(max_events=5)))


def test_a_default_factory_is_called_afresh():
    a, b = make(SchedulerConfig), make(SchedulerConfig)
    assert a.settings == {} and a.settings is not b.settings


def test_fields_given_are_the_fields_set():
    span = ir.span("f.proc", 1, 1, 1, 2)
    start = make(Start, span=span, programs=("a",), labels=("a",), nice=3)
    assert start.model_fields_set == {"span", "programs", "labels", "nice"}
    assert list(start.__dict__) == list(Start.model_fields)
    assert start.model_dump(exclude_unset=True) == Start(span=span, programs=("a",), labels=("a",),
                                                         nice=3).model_dump(exclude_unset=True)


def test_a_plan_is_still_serialisable_and_readable_back():
    for path in sorted((ROOT / "scenarios").glob("*.proc"))[:5]:
        _unit, plans, _diags = pipeline.compile_path(str(path))
        for plan in plans:
            assert EventPlan.model_validate_json(plan.model_dump_json()) == plan


def test_a_source_span_is_the_validated_span():
    src = Source("f.proc", "one\ntwo\n")
    assert_same(src.span(2, 1), Span(file="f.proc", line=2, col=1, end_line=2, end_col=2))
    assert_same(src.span(1, 2, 2, 3), Span(file="f.proc", line=1, col=2, end_line=2, end_col=3))
