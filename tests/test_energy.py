"""The power model: sleep states entered ladder-fashion, exit latency delaying a wake-up, energy from events."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import SCENARIOS, check_text, cli_main, diagnostics_of, events, run_text

from procdsl.check.model import Model
from procdsl.core.power import PRESETS, residencies, state_after
from procdsl.kernel import run_plan
from procdsl.pipeline import compile_path

SKYLAKE = PRESETS["skylake"][1]


def test_the_ladder_goes_one_state_deeper_per_target_residency() -> None:
    assert state_after(SKYLAKE, 1_999) == 0 and state_after(SKYLAKE, 2_000) == 1
    assert state_after(SKYLAKE, 150_000) == 3 and state_after(SKYLAKE, 10**9) == 4
    assert residencies(SKYLAKE, 150_000) == [2_000, 18_000, 80_000, 50_000, 0]
    for idle in (0, 1, 2_000, 19_999, 200_000, 10**7):
        assert sum(residencies(SKYLAKE, idle)) == idle


ONE_CPU = """
scenario "s" {
  machine {
    power skylake
  }
  program main {
    compute 1ms
    sleep 1ms
    compute 1ms
  }
  run main
}
"""


def test_a_wake_up_from_c6_waits_for_its_exit_latency(tmp_path: Path) -> None:
    trace = run_text(tmp_path, ONE_CPU)
    [cstate] = events(trace, "cstate")
    assert cstate.detail == ("C6", 1_000_000, 85_000)
    switch = next(e for e in trace.events if e.kind == "switch" and e.time == cstate.time)
    assert switch.detail[2] == 85_000              # the exit latency is the switch's cost: the task waits
    assert trace.end_time == 2_000 + 1_000_000 + 1_000_000 + 85_000 + 1_000_000      # compute and sleep cost no step


def test_the_energy_is_what_the_powers_and_times_make(tmp_path: Path) -> None:
    trace = run_text(tmp_path, ONE_CPU)
    model = Model(trace)
    busy = trace.end_time - 1_000_000             # everything but the sleep, waking included
    idle = [r * mw for r, (_, mw, _, _) in zip(residencies(SKYLAKE, 1_000_000), SKYLAKE)]
    assert model.energy.energy_pj(trace.end_time) == 4000 * busy + sum(idle)


def test_without_a_power_model_nothing_changes(tmp_path: Path) -> None:
    plain = ONE_CPU.replace("    power skylake\n", "")
    trace = run_text(tmp_path, plain)
    assert not {"power", "cstate"} & {e.kind for e in trace.events}
    assert trace.end_time == 2_000 + 1_000_000 + 1_000_000 + 1_000_000
    [result] = check_text(tmp_path, plain.replace("  run main\n", "  run main\n  expect energy() > 0\n"))
    assert not result.passed and "no power model" in " ".join(result.expectations[0].explanation
                                                              + (result.expectations[0].message,))


def test_max_cstate_caps_the_depth_and_the_latency(tmp_path: Path) -> None:
    trace = run_text(tmp_path, ONE_CPU.replace("power skylake", "power skylake {\n      max_cstate 1\n    }"))
    assert events(trace, "cstate")[0].detail == ("C1", 1_000_000, 2_000)
    assert [s[0] for s in events(trace, "power")[0].detail[2]] == ["POLL", "C1"]


def test_the_tradeoff_scenario_fails_for_a_kernel_without_exit_latency(tmp_path: Path) -> None:
    src = (SCENARIOS / "119_energy_spread_or_pack.proc").read_text()
    results = check_text(tmp_path, src)
    assert all(r.passed for r in results)
    wrong = src.replace("3 * 70us ± 10ns", "3 * 0us ± 10ns", 1)
    assert not check_text(tmp_path, wrong)[0].passed


def test_stats_and_compare_show_energy() -> None:
    path = str(SCENARIOS / "119_energy_spread_or_pack.proc")
    code, out, _ = cli_main(["stats", path, "--scenario", "2"])
    assert code == 0 and "C6 ms" in out and "Energy mJ" in out and "2.982" in out
    code, out, _ = cli_main(["compare", path, "--scenario", "1", "--schedulers", "cfs,rr"])
    assert code == 0 and "energy mJ" in out and "4.678" in out and "exit latency ms" in out
    code, out, _ = cli_main(["stats", path, "--scenario", "1", "--format", "json"])
    [report] = json.loads(out)
    assert report["energy"]["cpus"][1]["residency"]["C3"] == 150_000
    code, out, _ = cli_main(["stats", str(SCENARIOS / "13_copy_on_write.proc")])
    assert "Energy" not in out


def test_power_settings_are_checked(tmp_path: Path) -> None:
    def diags(block: str) -> str:
        return " ".join(diagnostics_of(tmp_path, f'scenario "s" {{\n  machine {{\n    {block}\n  }}\n'
                                                 f'  program main {{ compute 1ms }}\n  run main\n}}\n'))
    assert "unknown power model 'skylak'" in diags("power skylak") and "skylake" in diags("power skylak")
    assert "has no setting 'C9'" in diags("power skylake {\n      C9 1\n    }")
    assert "max_cstate is at most 4" in diags("power skylake {\n      max_cstate 7\n    }")


def test_the_power_event_follows_the_schema() -> None:
    plan = compile_path(str(SCENARIOS / "119_energy_spread_or_pack.proc"))[1][0]
    trace = run_plan(plan)
    assert trace.events[0].kind == "power" and trace.events[0].detail[0] == "skylake"
