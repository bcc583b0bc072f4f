"""Safe text at the edges: names matched whole, untrusted text printed with its control characters
escaped.

Nicknames, titles, opt-out notes, manifest lines and file names come from third parties. Printed
raw, a newline forges an extra output line and an escape sequence drives the user's terminal; so
every CLI output that shows data passes it through `escape_controls` (or `escape_json` for JSON).
"""

from __future__ import annotations

import re

from .errors import InputError

# Dataset and version names: ASCII letters, digits, '.', '_', '-', matched whole (re.fullmatch;
# a `$` anchor would accept a trailing newline).
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", re.ASCII)
NAME_RULE = "1-100 letters, digits, '.', '_' or '-' (starting with a letter or digit)"

# Characters that change how a terminal shows the rest: bidi overrides and isolates, separators.
_FORMAT_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029"
)
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def check_name(kind: str, value: object) -> str:
    """`value` if it is a valid dataset/version name, else InputError naming the rule."""
    if not isinstance(value, str) or not NAME_RE.fullmatch(value):
        shown = value if not isinstance(value, str) or len(value) <= 120 else value[:120] + "..."
        raise InputError(f"{kind} {escape_controls(repr(shown))} must be {NAME_RULE}")
    return value


def _escape(ch: str) -> str:
    if ch in _SHORT:
        return _SHORT[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_UNSAFE_RE = re.compile("[\x00-\x1f\x7f-\x9f" + "".join(sorted(_FORMAT_CONTROLS)) + "]")


def escape_controls(text: object, keep_newlines: bool = False) -> str:
    """`text` with every control character written as an escape (\\n, \\x1b, \\u202e), so it prints
    on one line and cannot drive the terminal. keep_newlines leaves '\\n' for multi-line outputs
    whose lines were built by ccaudit (their fields should be escaped one by one first)."""
    text = str(text)
    if keep_newlines:
        return _UNSAFE_RE.sub(lambda m: m[0] if m[0] == "\n" else _escape(m[0]), text)
    return _UNSAFE_RE.sub(lambda m: _escape(m[0]), text)


_JSON_RAW_RE = re.compile("[\x7f-\x9f" + "".join(sorted(_FORMAT_CONTROLS)) + "]")


def escape_json(text: str) -> str:
    """JSON text (json.dumps with ensure_ascii=False) with the C1 and bidi characters that JSON
    leaves raw written as \\uXXXX escapes (C0 controls inside strings json.dumps escapes itself;
    outside strings only its own indentation newlines occur)."""
    return _JSON_RAW_RE.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def escape_fields(value, skip: frozenset[str] = frozenset()):
    """A copy of a result object (dataclasses, lists, dicts) with every string field escaped, so
    a text rendering built from it keeps one line per entry. Fields named in `skip` stay as they are."""
    import dataclasses

    if isinstance(value, str):
        return escape_controls(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: escape_fields(getattr(value, f.name), skip)
            for f in dataclasses.fields(value)
            if f.init and f.name not in skip
        }
        return dataclasses.replace(value, **changes)
    if isinstance(value, (list, tuple)):
        return type(value)(escape_fields(v, skip) for v in value)
    if isinstance(value, dict):
        return {k: escape_fields(v, skip) for k, v in value.items()}
    return value
