"""procdsl's own grammar-table file: loaded only where Lark's cache may be, keyed by the grammar, rebuilt when damaged.

Each case runs a fresh interpreter (the tables are loaded once per process) with
PROCDSL_CACHE_DIR pointing at the folder under test; a planted file is a pickle that, when
loaded, creates a marker file.
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

from procdsl.lang import grammar

_TABLES = "from procdsl.lang.grammar import tables; tables()"
_SCENARIO = ROOT / "scenarios" / "01_process_table.proc"


class _Plant:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def run(cache_dir: Path | str, *args: str, code: str = _TABLES) -> subprocess.CompletedProcess:
    env = {**os.environ, "PROCDSL_CACHE_DIR": str(cache_dir), "NO_COLOR": "1"}
    argv = [sys.executable, "-c", code] if not args else [sys.executable, "-m", "procdsl", *args]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)
    return done


def tables_name(folder: Path) -> str:
    (made,) = folder.glob("grammar-*.tables")
    return made.name


@pytest.fixture(scope="module")
def name(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("tables")
    folder.chmod(0o700)
    assert run(folder).returncode == 0
    made = folder / tables_name(folder)
    assert stat.S_IMODE(made.stat().st_mode) == 0o600
    return made.name


def plant(folder: Path, name: str, marker: Path, mode: int = 0o600) -> Path:
    path = folder / name
    path.write_bytes(pickle.dumps(_Plant(str(marker))))
    path.chmod(mode)
    return path


def test_the_tables_are_loaded_from_a_private_folder(tmp_path: Path, name: str) -> None:
    """The control: the user's own file is read (so the cases below would notice a load)."""
    folder = tmp_path / "mine"
    folder.mkdir(mode=0o700)
    marker = tmp_path / "ran"
    plant(folder, name, marker)
    assert run(folder).returncode == 0
    assert marker.exists()


@pytest.mark.parametrize("mode", [0o777, 0o1777, 0o770, 0o702], ids=oct)
def test_tables_in_a_folder_others_can_write_are_never_loaded(tmp_path: Path, name: str, mode: int) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(mode)
    marker = tmp_path / "ran"
    planted = plant(folder, name, marker)
    before = planted.read_bytes()
    assert run(folder).returncode == 0
    assert not marker.exists()
    assert planted.read_bytes() == before


@pytest.mark.parametrize("mode", [0o620, 0o602, 0o666], ids=oct)
def test_a_tables_file_others_can_write_is_never_loaded(tmp_path: Path, name: str, mode: int) -> None:
    folder = tmp_path / "mine"
    folder.mkdir(mode=0o700)
    marker = tmp_path / "ran"
    plant(folder, name, marker, mode)
    assert run(folder).returncode == 0
    assert not marker.exists()


def test_a_damaged_or_foreign_file_is_made_again(tmp_path: Path, name: str) -> None:
    # The plain tables are made from Lark's objects, so a damaged Lark file is made again
    # whenever the plain file is; later it is read only for a syntax error.
    folder = tmp_path / "mine"
    folder.mkdir(mode=0o700)
    for junk in (b"not a pickle", pickle.dumps({"tables": 1})):
        for old in folder.glob("grammar-*.plain"):
            old.unlink()
        (folder / name).write_bytes(junk)
        (folder / name).chmod(0o600)
        done = run(folder, "check", str(_SCENARIO))
        assert done.returncode == 0, done.stderr
        assert isinstance(pickle.loads((folder / name).read_bytes()), grammar.Tables)
        assert isinstance(pickle.loads(plain_file(folder).read_bytes()), grammar.PlainTables)


def test_lark_objects_are_read_only_to_make_the_plain_file_or_for_an_error(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "mine"
    folder.mkdir(mode=0o700)
    assert run(folder, "check", str(_SCENARIO)).returncode == 0
    plain = plain_file(folder)
    bad = tmp_path / "bad.proc"
    bad.write_text("program p {\n  x = )\n}\n")
    for junk in (b"not a pickle", pickle.dumps({"tables": 1})):
        (folder / name).write_bytes(junk)            # not read while the file parses
        (folder / name).chmod(0o600)
        done = run(folder, "check", str(_SCENARIO))
        assert done.returncode == 0, done.stderr
        assert (folder / name).read_bytes() == junk
        done = run(folder, "check", str(bad))
        assert "bad.proc:2:7: error: unexpected ')': expected '(', '-', '['" in done.stderr
        assert isinstance(pickle.loads((folder / name).read_bytes()), grammar.Tables)
        plain.write_bytes(junk)
        plain.chmod(0o600)
        done = run(folder, "check", str(_SCENARIO))
        assert done.returncode == 0, done.stderr
        assert isinstance(pickle.loads(plain.read_bytes()), grammar.PlainTables)


def plain_file(folder: Path) -> Path:
    (made,) = folder.glob("grammar-*.plain")
    return made


def test_without_a_usable_folder_commands_still_work(tmp_path: Path) -> None:
    """A cache path that cannot be a folder (here: a file) means no cache, not a failure."""
    blocker = tmp_path / "file"
    blocker.write_text("")
    done = run(blocker, "check", str(_SCENARIO))
    assert done.returncode == 0, done.stderr
    assert "1 passed" in done.stdout


def test_a_command_with_the_loaded_tables_prints_what_a_cold_one_does(tmp_path: Path) -> None:
    folder = tmp_path / "fresh"
    folder.mkdir(mode=0o700)
    cold = run(folder, "compile", str(_SCENARIO))
    assert tables_name(folder)
    warm = run(folder, "compile", str(_SCENARIO))
    assert cold.returncode == warm.returncode == 0, cold.stderr + warm.stderr
    assert warm.stdout == cold.stdout and warm.stderr == cold.stderr


def test_the_file_is_named_after_the_grammar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An edited grammar gets a file of its own: an old file is never read for a new grammar."""
    monkeypatch.setenv("PROCDSL_CACHE_DIR", str(tmp_path))
    tmp_path.chmod(0o700)
    text = grammar.grammar_path().read_text(encoding="utf-8")
    ours = grammar._cache_file(text, "tables")
    assert ours != grammar._cache_file(text + "\n// edited\n", "tables")
    assert ours != grammar._cache_file(text)          # never Lark's own file
    assert ours == grammar._cache_file(text, "tables")


@pytest.mark.parametrize("mode", [0o700, 0o777, 0o770], ids=oct)
def test_the_plain_file_is_loaded_under_the_same_rules(tmp_path: Path, mode: int) -> None:
    made = tmp_path / "made"
    made.mkdir(mode=0o700)
    code = "from procdsl.lang.grammar import plain_tables; plain_tables()"
    assert run(made, code=code).returncode == 0
    folder = tmp_path / "folder"
    folder.mkdir()
    folder.chmod(mode)
    marker = tmp_path / "ran"
    plant(folder, plain_file(made).name, marker)
    assert run(folder, code=code).returncode == 0
    assert marker.exists() == (mode == 0o700)        # the control: a private folder's file is read
