"""Static checks of `machine { power PRESET { ... } }`: a known preset, and settings it has."""

from __future__ import annotations

from procdsl.core.power import PRESETS
from procdsl.lang.diagnostics import did_you_mean


def power_setting(v, st) -> None:
    if st.value_type != "name" or st.value not in PRESETS:
        v.error(f"unknown power model '{st.value}'{did_you_mean(str(st.value), PRESETS)}", st.value_span,
                "power models: " + ", ".join(PRESETS) + " (docs/energy.md)")
        return
    states = [s[0] for s in PRESETS[str(st.value)][1]]
    known = ["active", "max_cstate", *states]
    for sub in st.settings:
        if sub.name not in known:
            v.error(f"power model {st.value} has no setting '{sub.name}'{did_you_mean(sub.name, known)}", sub.span,
                    "its settings: active (mW), max_cstate (the deepest state, from 0), and a state's mW: "
                    + ", ".join(states))
        elif sub.value_type != "int" or int(sub.value) < 0:
            v.error(f"power setting '{sub.name}' takes a whole number, 0 or more", sub.value_span,
                    "powers are in mW; max_cstate counts states from 0 (POLL)")
        elif sub.name == "max_cstate" and int(sub.value) >= len(states):
            v.error(f"max_cstate is at most {len(states) - 1} here ({states[-1]})", sub.value_span)
        elif sub.name != "max_cstate" and int(sub.value) > 1_000_000:
            v.error("a power above 1000 W is not a CPU's", sub.value_span)
