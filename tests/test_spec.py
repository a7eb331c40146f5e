"""The shared spec: every example passes and every error fixture is diagnosed (../shared/tools/spec-check)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from helpers import ROOT, SHARED

SPEC_CHECK = SHARED / "tools" / "spec-check"


@pytest.mark.skipif(not SPEC_CHECK.is_file(), reason="../shared is not next to this checkout")
def test_spec_check_passes() -> None:
    bin_dir = os.path.dirname(sys.executable)
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""), "NO_COLOR": "1"}
    proc = subprocess.run([sys.executable, str(SPEC_CHECK)], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "spec examples" in proc.stdout
