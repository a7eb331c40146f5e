"""Shared pytest setup: the `--update-goldens` flag that rewrites reviewed golden files."""

from __future__ import annotations

from pathlib import Path

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-goldens", action="store_true", default=False,
                     help="rewrite tests/golden/ from procdsl's current output instead of comparing; "
                          "review the diff before committing it")


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


_FIXTURES = (Path(__file__).resolve().parent / "errors", Path(__file__).resolve().parent / "golden",
             Path(__file__).resolve().parent / "fuzz_corpus")


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    # Error fixtures, goldens and the fuzz corpus are data read by their tests; the .proc
    # plugin must not turn them into test items even when `pytest tests` names this folder.
    if collection_path.suffix == ".proc" and any(folder in collection_path.parents for folder in _FIXTURES):
        return True
    return None
