"""`machine { power PRESET { active MW, max_cstate N, STATE MW } }` resolved into a PowerConfig."""

from __future__ import annotations

from procdsl import ir
from procdsl.core.power import PRESETS
from procdsl.plan.schema import PowerConfig, make


def power_config(st: ir.Setting) -> PowerConfig:
    active, states = PRESETS[str(st.value)]
    powers = {name: mw for name, mw, _, _ in states}
    deepest = len(states) - 1
    for sub in st.settings:
        if sub.name == "active":
            active = int(sub.value)
        elif sub.name == "max_cstate":
            deepest = min(deepest, int(sub.value))
        else:
            powers[sub.name] = int(sub.value)
    return make(PowerConfig, model=str(st.value), active=active,
                       states=tuple((name, powers[name], lat, res) for name, _, lat, res in states[:deepest + 1]))
