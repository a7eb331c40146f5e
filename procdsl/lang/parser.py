"""Text to IR in one pass of Lark's LALR parser; the one place where Lark's exceptions become procdsl diagnostics."""

from __future__ import annotations

import re

from procdsl import ir
from procdsl.lang.diagnostics import CompileError, Diagnostic
from procdsl.lang.hints import syntax_hint
from procdsl.lang.lower import Lower
from procdsl.lang.nesting import too_deep
from procdsl.lang.reduce import reducer_for, syntax_errors
from procdsl.lang.source import Source
from procdsl.lang.tokens import Token

# How each terminal reads in "expected one of" lists.
_TERMINAL_WORDS = {
    "NAME": "a name", "INT": "a number", "FLOAT": "a number", "DURATION": "a duration",
    "SIZE": "a size", "STRING": "a string", "DESC": "a description", "META": "[points]",
    "_NL": "end of statement", "LBRACE": "'{'", "RBRACE": "'}'", "LSQB": "'['", "RSQB": "']'",
    "LPAR": "'('", "RPAR": "')'", "COMPOP": "a comparison", "PLUSMINUS": "'±'",
    "PLUS": "'+'", "MINUS": "'-'", "MULOP": "an operator", "AUGOP": "'+=' or '-='",
    "ARROW": "'->'", "$END": "end of file", "COMMA": "','", "COLON": "':'", "DOT": "'.'",
    "EQUAL": "'='", "VBAR": "'|'",
}


def describe_terminal(name: str) -> str:
    if name in _TERMINAL_WORDS:
        return _TERMINAL_WORDS[name]
    return f"'{name.lower().lstrip('_')}'"


def parse(source: Source) -> ir.File:
    """The file's IR; raises CompileError with the syntax error, or with every lowering problem.

    A syntax error is reported alone: what lowering noticed before it is about text the
    author is likely to change anyway."""
    lowering = Lower(source)
    try:
        result = reducer_for(Lower).run(lowering, source.text, "start")
    except syntax_errors() as err:
        raise CompileError([_diagnose(err, source)]) from None
    if lowering.diagnostics:
        raise CompileError(lowering.diagnostics)
    deep = too_deep(result)
    if deep is not None:
        raise CompileError([deep])
    return result


def unclosed_brace(text: str) -> tuple[int, int] | None:
    """Line and column of the innermost `{` never closed, skipping strings and comments."""
    stack: list[tuple[int, int]] = []
    line, col, i, n = 1, 1, 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "#":
            while i < n and text[i] != "\n":
                i += 1
                col += 1
            continue
        if ch == '"':
            i += 1
            col += 1
            while i < n and text[i] not in '"\n':
                step = 2 if text[i] == "\\" else 1
                i += step
                col += step
            i += 1
            col += 1
            continue
        if ch == "{":
            stack.append((line, col))
        elif ch == "}" and stack:
            stack.pop()
        if ch == "\n":
            line, col = line + 1, 1
        else:
            col += 1
        i += 1
    return stack[-1] if stack else None


def _diagnose(err: Exception, source: Source) -> Diagnostic:
    from lark.exceptions import UnexpectedCharacters, UnexpectedToken
    if isinstance(err, UnexpectedToken) and err.token.type == "$END":
        line, col = source.end_position()
        span = source.span(line, col)
        opened = unclosed_brace(source.text)
        if opened:
            where = f"{opened[0]}:{opened[1]}"
            return Diagnostic(f"unexpected end of file: '}}' expected to close the block opened at {where}",
                              span, hint=f"add '}}' to close the block that starts at line {opened[0]}")
        return Diagnostic(f"unexpected end of file: expected {_expected(err.expected)}", span)
    if isinstance(err, UnexpectedToken):
        tok: Token = err.token
        span = source.span(tok.line or 1, tok.column or 1, tok.end_line, tok.end_column)
        what = _token_words(tok)
        hint = None
        if tok.type == "RBRACE" and "RBRACE" not in err.expected:
            hint = "this '}' closes nothing still open here: look for an extra '}' or a missing '{'"
        elif tok.type in ("INT", "FLOAT") and "DURATION" in err.expected:
            hint = "write the unit: 5ms, 250us, 1s"
        elif tok.type == "_NL" and "$END" not in err.expected:
            hint = "an expectation or statement ends at the end of its line: keep it on one line, or group assertions in { }"
        elif re.match(r'\s*expect\s+"([^"\\]|\\.)*"\s', source.line(tok.line or 1)):
            hint = ('a string right after `expect` is its description: write `expect "what it checks" '
                    '"text" in output`, or put the expression in parentheses')
        hint = syntax_hint(source.line(tok.line or 1)) or hint
        return Diagnostic(f"unexpected {what}: expected {_expected(err.expected)}", span, hint=hint)
    if isinstance(err, UnexpectedCharacters):
        span = source.span(err.line, err.column)
        ch = source.text[err.pos_in_stream] if err.pos_in_stream < len(source.text) else "?"
        if ch == '"':
            return Diagnostic("unterminated string", span, hint='close the string with " on the same line')
        return Diagnostic(f"unexpected character {ch!r}", span, hint=syntax_hint(source.line(err.line)))
    line, col = getattr(err, "line", 1), getattr(err, "column", 1)
    return Diagnostic(f"syntax error: {err}", source.span(line, col))


def _token_words(tok: Token) -> str:
    if tok.type == "_NL":
        return "end of line" if "\n" in tok.value else "';'"
    if tok.type in ("NAME",):
        return f"'{tok.value}'"
    if tok.type in ("STRING", "DESC"):         # a string quotes itself
        return f"string {tok.value}"
    words = describe_terminal(tok.type) if tok.type in _TERMINAL_WORDS else ""
    if not words or words.startswith("'"):          # punctuation: its own text says it all
        return f"'{tok.value}'"
    return f"{words} {tok.value!r}"


def _expected(names: set[str]) -> str:
    words = sorted({describe_terminal(n) for n in names if not n.startswith("__")})
    if len(words) > 6:
        return ", ".join(words[:6]) + ", …"
    return " or ".join(words) if len(words) <= 2 else ", ".join(words[:-1]) + " or " + words[-1]
