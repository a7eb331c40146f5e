"""Where the grammar lives, the one cached Lark parser built from it, and the tables procdsl's parser reads."""

from __future__ import annotations

import gc
import hashlib
import importlib
import importlib.util
import io
import os
import pickle
import re
import stat
import sys
import types
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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


def _cache_file(text: str, kind: str = "lark-cache") -> str | None:
    """Building the LALR tables takes about a second; Lark can reuse them from a cache file.

    One file per grammar, Lark version and option set: Lark rebuilds a cache made with other
    options (and procdsl's own file also per Python and per shape of `Tables`). The file is a pickle, and loading a pickle runs whatever it says: so it lives in
    a folder of this user's that no one else can write to, and a file not owned by this user
    or writable by others is never loaded. `kind` "tables" is procdsl's own file (`tables`)."""
    # the plain file's tuples have a layout of their own: PLAIN_FORMAT names it
    shape = (PlainTables.__slots__, PLAIN_FORMAT) if kind == "plain" else Tables.__slots__
    salt = "" if kind == "lark-cache" else f"{kind} {sys.version} {pickle.HIGHEST_PROTOCOL} {shape}"
    key = hashlib.sha256((text + lark_version() + repr(sorted(_OPTIONS.items())) + salt).encode()).hexdigest()[:16]
    folder = cache_folder()
    if folder is None:
        return None
    path = os.path.join(folder, f"grammar-{key}.{kind}")
    if os.path.lexists(path) and not _private(path):
        return None
    return path


@cache
def lark_version() -> str:
    """Lark's version, read from its package without importing it (a file that parses never
    imports Lark); it names the cache files, since the tables are Lark's."""
    spec = importlib.util.find_spec("lark")
    if spec is not None and spec.origin:
        try:
            with open(spec.origin, encoding="utf-8") as f:
                found = re.search(r"^__version__\s*(?::\s*str\s*)?=\s*['\"]([^'\"]+)['\"]", f.read(), re.M)
        except OSError:
            found = None
        if found:
            return found.group(1)
    import lark
    return lark.__version__


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
    from lark import Lark
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


class Tables:
    """What procdsl's parser (lang/reduce.py) reads of Lark's: the terminals, the contextual
    lexer (its scanners still unbuilt) and the LALR table."""

    __slots__ = ("terminals", "lexer", "parse_table", "placeholders")

    def __init__(self, terminals: list, lexer: Any, parse_table: Any, placeholders: bool) -> None:
        self.terminals = terminals
        self.lexer = lexer
        self.parse_table = parse_table
        self.placeholders = placeholders


class _Keywords:
    """Lark's UnlessCallback for a name that may be a keyword, as a dict look-up.

    Lark lexes a keyword as NAME and then tries the keywords that state accepts, as one
    regular expression of alternatives, on every name; with the 146 keywords procdsl has that
    is most of lexing a name. A keyword is a plain string, so `fullmatch` is equality."""

    __slots__ = ("types",)

    def __init__(self, types: dict) -> None:
        self.types = types

    def __call__(self, token):
        kind = self.types.get(token.value)
        if kind is not None:
            token.type = kind
        return token


def with_keyword_lookup(lexer: Any) -> None:
    """Each of the contextual lexer's state lexers builds its scanner with the dict look-up."""
    from lark.lexer import UnlessCallback

    def build(state_lexer):
        scanner = type(state_lexer)._build_scanner(state_lexer)
        for name, callback in state_lexer.callback.items():
            if type(callback) is not UnlessCallback:
                continue
            strings = callback.scanner.terminals
            if state_lexer.g_regex_flags or any(t.pattern.type != "str" or t.pattern.flags for t in strings):
                continue            # a flag (say, ignore case) makes fullmatch more than equality
            types: dict = {}
            for t in strings:
                types.setdefault(t.pattern.value, t.name)
            state_lexer.callback[name] = _Keywords(types)
        return scanner

    for state_lexer in {id(x): x for x in (*lexer.lexers.values(), lexer.root_lexer)}.values():
        if getattr(state_lexer, "_scanner", None) is None:
            state_lexer._build_scanner = build.__get__(state_lexer)


@cache
def tables() -> Tables:
    """Lark's objects for this grammar, unpickled as they are from a file of their own.

    Loading Lark's cache rebuilds every object from plain data and makes the tree builder's
    callbacks, which procdsl's parser never calls: most of a short command's parse. The file
    is kept where Lark's is, under the same rules; without it they come from `parser()`."""
    text = grammar_path().read_text(encoding="utf-8")
    path = _cache_file(text, "tables")
    if path is not None and os.path.exists(path):
        try:
            return _load(path)
        except Exception:  # noqa: BLE001 - a damaged or stale file is made again below
            pass
    built = parser()
    made = Tables(built.terminals, built.parser.lexer, built.parser.parser.parser.parse_table,
                  bool(built.options.maybe_placeholders))
    if path is not None:
        _save(path, made)
    return made


PLAIN_FORMAT = 2          # raise when the layout of PlainTables' tuples changes


class PlainTables:
    """Lark's LALR table and contextual lexer for this grammar as plain data (strings, numbers,
    tuples), read by procdsl's parser and lexer: a file that parses never imports Lark.

    - `actions`: parser state -> {symbol: next state (>= 0), or ~i for a reduction by rules[i]};
    - `rules`: (children, rule name, lowering name, kept children, trailing placeholders,
      `?rule` passing one child up), as lang/reduce.py needs them;
    - `start_states`, `end_states`: by start symbol;
    - `lexer_of`: parser state -> index in `lexers`; a lexer is the expressions of its scanner
      (pattern and flags, Lark's order), its ignored terminals, those that may hold a newline,
      and its keyword tables (grammar._Keywords);
    - `keywords`: the words the grammar spells out."""

    __slots__ = ("actions", "rules", "start_states", "end_states", "lexer_of", "lexers", "keywords")

    def __init__(self, actions: dict, rules: list, start_states: dict, end_states: dict, lexer_of: dict,
                 lexers: list, keywords: frozenset) -> None:
        self.actions = actions
        self.rules = rules
        self.start_states = start_states
        self.end_states = end_states
        self.lexer_of = lexer_of
        self.lexers = lexers
        self.keywords = keywords


def _plain(name: Any) -> str:
    # Lark's names are often Tokens, whose Python-level __eq__ a dict look-up by a plain string
    # would call every time
    return sys.intern(str.__str__(name))


def children_plan(rule: Any, placeholders: bool) -> tuple[tuple, int]:
    """Which children a rule keeps: (index, splice it?, Nones before it) and Nones after all.

    The same choices as Lark's ChildFilter, so a lowering method sees what a Transformer would."""
    expansion = rule.expansion
    empty = rule.options.empty_indices if placeholders else None
    if empty:
        runs = "".join(str(int(b)) for b in empty).split("0")
        nones = [len(r) for r in runs]
    else:
        nones = [0] * (len(expansion) + 1)
    include = []
    pending = 0
    for i, sym in enumerate(expansion):
        pending += nones[i]
        if not (sym.is_term and sym.filter_out):
            include.append((i, not sym.is_term and sym.name.startswith("_"), pending))
            pending = 0
    return tuple(include), pending + nones[len(expansion)]


def _plain_from(t: Tables) -> PlainTables:
    from lark.parsers.lalr_analysis import Shift
    table = t.parse_table
    rules: list = []
    index: dict[int, int] = {}
    actions: dict[int, dict[str, int]] = {}
    for state, row in table.states.items():
        out = {}
        for symbol, (action, arg) in row.items():
            if action is Shift:
                out[_plain(symbol)] = arg
                continue
            i = index.get(id(arg))
            if i is None:
                i = index[id(arg)] = len(rules)
                include, trailing = children_plan(arg, t.placeholders)
                rules.append((len(arg.expansion), _plain(arg.origin.name),
                              _plain(arg.alias or arg.options.template_source or arg.origin.name), include, trailing,
                              bool(arg.options.expand1 and not arg.alias)))
            out[_plain(symbol)] = ~i
        actions[state] = out
    with_keyword_lookup(t.lexer)
    lexers: list = []
    by_lexer: dict[int, int] = {}
    lexer_of: dict[int, int] = {}
    for state, state_lexer in t.lexer.lexers.items():
        i = by_lexer.get(id(state_lexer))
        if i is None:
            i = by_lexer[id(state_lexer)] = len(lexers)
            lexers.append(_plain_lexer(state_lexer))
        lexer_of[state] = i
    keywords = frozenset(_plain(x.pattern.value) for x in t.terminals
                         if x.pattern.type == "str" and x.pattern.value.isidentifier())
    return PlainTables(actions, rules, {_plain(k): v for k, v in table.start_states.items()},
                       {_plain(k): v for k, v in table.end_states.items()}, lexer_of, lexers, keywords)


def _plain_lexer(state_lexer: Any) -> tuple:
    scanner = state_lexer.scanner               # built here, with the keyword look-up
    keywords: dict[str, dict[str, str]] = {}
    for kind, callback in state_lexer.callback.items():
        if type(callback) is not _Keywords or kind in state_lexer.ignore_types:
            # procdsl's grammar has only keyword look-ups, none on an ignored terminal; another
            # callback would need Lark at run time (tests/test_lexer.py would say so first)
            raise AssertionError(f"procdsl bug: terminal {kind} has a lexer callback plain tables cannot hold")
        keywords[_plain(kind)] = {_plain(k): _plain(v) for k, v in callback.types.items()}
    return (tuple((m.pattern, m.flags) for m in scanner._mres), frozenset(map(_plain, state_lexer.ignore_types)),
            frozenset(map(_plain, state_lexer.newline_types)), keywords)


@cache
def plain_tables() -> PlainTables:
    """The plain tables, from a file of their own beside `tables()`'s, under the same rules;
    without it they are made from `tables()` (which imports Lark) and saved."""
    text = grammar_path().read_text(encoding="utf-8")
    path = _cache_file(text, "plain")
    if path is not None and os.path.exists(path):
        try:
            return _load(path, PlainTables)
        except Exception:  # noqa: BLE001 - a damaged or stale file is made again below
            pass
    made = _plain_from(tables())
    if path is not None:
        _save(path, made)
    return made


def _load(path: str, kind: type | None = None) -> Any:
    kind = kind or Tables
    with open(path, "rb") as f:
        data = f.read()
    # Tens of thousands of objects, none of them garbage: a collection meanwhile only rescans them.
    enabled = gc.isenabled()
    gc.disable()
    try:
        made = pickle.loads(data)
    finally:
        if enabled:
            gc.enable()
    if not isinstance(made, kind):
        raise TypeError("not a procdsl grammar table")
    return made


class _Pickler(pickle.Pickler):
    """Lark's lexer keeps the `re` module it compiles with, and its table tells a shift from a
    reduction by two objects' identity: both are saved by name, not copied."""

    def reducer_override(self, obj: Any) -> Any:
        from lark.parsers import lalr_analysis
        if isinstance(obj, types.ModuleType):
            return importlib.import_module, (obj.__name__,)
        if obj is lalr_analysis.Shift or obj is lalr_analysis.Reduce:
            return _action, (obj.name,)
        return NotImplemented


def _action(name: str) -> Any:
    from lark.parsers import lalr_analysis
    return getattr(lalr_analysis, name)


def _save(path: str, made: Any) -> None:
    """Written whole under another name, then renamed: a reader never sees half a file."""
    import tempfile
    buf = io.BytesIO()
    try:
        _Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(made)
        fd, temp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".grammar-")   # mode 0600
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(buf.getvalue())
            os.replace(temp, path)
        except BaseException:
            os.unlink(temp)
            raise
    except (OSError, pickle.PicklingError):
        pass                      # a folder we cannot write: the next command builds them again
