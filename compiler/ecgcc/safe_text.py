"""Strings that come from a model or a file are data: how they may appear in C sources and in messages.

A model's tensor names, operator names and descriptions are chosen by whoever wrote the file. In C they
appear only as string literals built by c_string_literal(); in error messages and terminal tables only
through printable(), so that control bytes cannot rewrite the user's terminal and a 20 KB name cannot
flood it.
"""
from __future__ import annotations

# Bytes copied into a C string literal as they are. Everything else becomes a three-digit octal escape:
# a backslash, a quote, '?' (trigraphs such as ??/ are live under -std=c11 -trigraphs), control bytes and
# every byte of a non-ASCII character. An octal escape takes at most three digits, so a digit that follows
# it can never extend it (a hex escape would swallow following hex digits).
_C_LITERAL_SAFE = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-.:;,()[]/+=<>@#")

C_NAME_LIMIT = 64          # bytes of a name kept in generated C (the rest is only in report.json)
MESSAGE_NAME_LIMIT = 48    # characters of a name shown in an error message


def c_string_literal(text: str | bytes, limit: int = C_NAME_LIMIT) -> str:
    """A complete, quoted C string literal holding the UTF-8 bytes of text, at most `limit` of them
    (a cut name ends in '...'). Safe anywhere a string literal may stand; never put text in a comment."""
    raw = text if isinstance(text, bytes) else text.encode("utf-8", "replace")
    if len(raw) > limit:
        raw = raw[:max(0, limit - 3)] + b"..."
    return '"' + "".join(chr(b) if b in _C_LITERAL_SAFE else f"\\{b:03o}" for b in raw) + '"'


def printable(text: str | bytes, limit: int = MESSAGE_NAME_LIMIT) -> str:
    """text for a one-line message: non-printable and non-ASCII characters as escapes, cut to `limit`."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    shown = text.encode("ascii", "backslashreplace").decode("ascii")
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in shown)
    if len(shown) > limit:
        shown = shown[:limit] + f"...({len(text)} characters)"
    return shown
