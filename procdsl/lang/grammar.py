"""Where the grammar lives, and the one cached Lark parser built from it."""

from __future__ import annotations

import hashlib
import os
import stat
from functools import cache
from pathlib import Path

import lark
from lark import Lark

_PACKAGE = Path(__file__).resolve().parent.parent
# An installed wheel carries the grammar inside the package; a source checkout keeps it
# in the top-level grammars/ folder, the single place where the syntax is edited.
_CANDIDATES = (_PACKAGE / "grammars" / "procdsl.lark", _PACKAGE.parent / "grammars" / "procdsl.lark")
START_SYMBOLS = ["start", "expr"]      # whole files, and the `{expr}` parts of strings
_OPTIONS = dict(parser="lalr", lexer="contextual", propagate_positions=True, maybe_placeholders=True,
                start=START_SYMBOLS)


def grammar_path() -> Path:
    for candidate in _CANDIDATES:
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("procdsl.lark not found next to the procdsl package")


def _cache_file(text: str) -> str | None:
    """Building the LALR tables takes about a second; Lark can reuse them from a cache file.

    One file per grammar, Lark version and option set: Lark rebuilds a cache made with other
    options. The file is a pickle, and loading a pickle runs whatever it says: so it lives in
    a folder of this user's that no one else can write to, and a file not owned by this user
    or writable by others is never loaded."""
    key = hashlib.sha256((text + lark.__version__ + repr(sorted(_OPTIONS.items()))).encode()).hexdigest()[:16]
    folder = cache_folder()
    if folder is None:
        return None
    path = os.path.join(folder, f"grammar-{key}.lark-cache")
    if os.path.lexists(path) and not _private(path):
        return None
    return path


def cache_folder() -> str | None:
    """PROCDSL_CACHE_DIR, else $XDG_CACHE_HOME/procdsl, else ~/.cache/procdsl, created 0700;
    None when it cannot be made or is not private (owned by someone else, or writable by others)."""
    folder = os.environ.get("PROCDSL_CACHE_DIR")
    if not folder:
        base = os.environ.get("XDG_CACHE_HOME", "")
        if not os.path.isabs(base):              # the XDG spec ignores a relative value
            base = os.path.join(os.path.expanduser("~"), ".cache")
        folder = os.path.join(base, "procdsl")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
    except OSError:
        return None
    return folder if _private(folder) and os.access(folder, os.W_OK) else None


def _private(path: str) -> bool:
    """Owned by this user and writable by no one else, following symbolic links."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return False
    return not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


@cache
def parser(strict: bool = False) -> Lark:
    """The grammar as Lark builds it. Its tables and contextual lexer drive `procdsl.reduce`,
    which lowers while it parses; parsing to a tree is left to strict-mode checks and tests."""
    text = grammar_path().read_text(encoding="utf-8")
    if strict:
        return Lark(text, strict=True, **_OPTIONS)
    path = _cache_file(text)
    try:
        built = Lark(text, cache=path or False, **_OPTIONS)
    except OSError:
        return Lark(text, **_OPTIONS)
    if path is not None:
        _keep_private(path)
    return built


def _keep_private(path: str) -> None:
    """Lark writes the cache with the umask's mode; make it this user's alone, so that it is
    loaded next time (a group-writable file would be refused)."""
    try:
        os.chmod(path, 0o600)
    except OSError:
        pass
