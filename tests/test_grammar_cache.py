"""The grammar's table cache is a pickle: it is loaded only from a folder and a file that are this user's alone.

On a shared lab machine another user could otherwise plant a file that runs code as the
next user of procdsl. Each case runs a fresh interpreter (the parser is built once per
process) with PROCDSL_CACHE_DIR pointing at the folder under test; the planted file is a
pickle that, when loaded, creates a marker file.
"""

from __future__ import annotations

import os
import pickle
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT

_BUILD = "from procdsl.lang.grammar import parser; parser()"


class _Plant:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def build_parser(cache_dir: Path, home: Path | None = None) -> None:
    env = {**os.environ, "PROCDSL_CACHE_DIR": str(cache_dir)}
    if home is not None:
        env.pop("PROCDSL_CACHE_DIR")
        env.update(HOME=str(home), XDG_CACHE_HOME="")
    done = subprocess.run([sys.executable, "-c", _BUILD], capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env=env)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def cache_name(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The file name procdsl gives its cache, learnt from a real build in a private folder."""
    folder = tmp_path_factory.mktemp("cache")
    folder.chmod(0o700)
    build_parser(folder)
    (made,) = folder.glob("grammar-*.lark-cache")
    assert stat.S_IMODE(made.stat().st_mode) == 0o600
    return made.name


def plant(folder: Path, name: str, marker: Path, mode: int = 0o600) -> Path:
    path = folder / name
    path.write_bytes(b"planted\n" + pickle.dumps(_Plant(str(marker))))
    path.chmod(mode)
    return path


def test_the_planted_file_does_run_code_when_loaded_from_a_private_folder(tmp_path: Path, cache_name: str) -> None:
    """The control: in the user's own private folder the pickle is loaded (so the cases below
    would notice a cache that loads what it should not)."""
    folder = tmp_path / "mine"
    folder.mkdir(mode=0o700)
    marker = tmp_path / "ran"
    plant(folder, cache_name, marker)
    build_parser(folder)
    assert marker.exists()


@pytest.mark.parametrize("mode", [0o777, 0o1777, 0o770, 0o720, 0o702], ids=oct)
def test_a_planted_file_in_a_folder_others_can_write_is_never_loaded(tmp_path: Path, cache_name: str,
                                                                     mode: int) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(mode)
    marker = tmp_path / "ran"
    planted = plant(folder, cache_name, marker)
    before = planted.read_bytes()
    build_parser(folder)
    assert not marker.exists()
    assert planted.read_bytes() == before         # nor is it overwritten: procdsl does without a cache


@pytest.mark.parametrize("mode", [0o620, 0o602, 0o666], ids=oct)
def test_a_cache_file_others_can_write_is_never_loaded(tmp_path: Path, cache_name: str, mode: int) -> None:
    folder = tmp_path / "mine"
    folder.mkdir(mode=0o700)
    marker = tmp_path / "ran"
    plant(folder, cache_name, marker, mode)
    build_parser(folder)
    assert not marker.exists()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to give files away")
@pytest.mark.parametrize("owned_by_other", ["folder", "file"])
def test_a_folder_or_file_owned_by_someone_else_is_never_loaded(tmp_path: Path, cache_name: str,
                                                                owned_by_other: str) -> None:
    folder = tmp_path / "theirs"
    folder.mkdir(mode=0o700)
    marker = tmp_path / "ran"
    planted = plant(folder, cache_name, marker)
    os.chown(folder if owned_by_other == "folder" else planted, 65534, 65534)
    build_parser(folder)
    assert not marker.exists()


def test_without_procdsl_cache_dir_the_cache_is_per_user_and_private(tmp_path: Path, cache_name: str) -> None:
    home = tmp_path / "home"
    home.mkdir()
    build_parser(tmp_path, home=home)
    folder = home / ".cache" / "procdsl"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert [p.name for p in folder.iterdir()] == [cache_name]
