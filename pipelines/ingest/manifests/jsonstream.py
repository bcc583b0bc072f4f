"""Walk a large JSON document member by member without loading it (FFHQ's 267 MB dict, COCO files).

`json.JSONDecoder.raw_decode` decodes one complete value from a buffer; the walker keeps a window
of the text, decodes the members of the top-level object (or the elements of an array under it)
one at a time and refills the window when a value runs past its end. Memory is bounded by the
window plus the largest single value.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

from ...errors import InputError

_WHITESPACE = " \t\n\r"
# One value (an FFHQ item, a COCO image entry) larger than this is not a manifest entry.
MAX_VALUE_CHARS = 64 << 20
_MAX_INT_DIGITS = 40


def _parse_int(text: str) -> int | str:
    """Integers of up to 40 digits become int; longer ones stay text (int() refuses 4300+ digits
    and nothing in a manifest is that long), so the item is rejected by its own checks."""
    return int(text) if len(text) <= _MAX_INT_DIGITS else text


_DECODER = json.JSONDecoder(parse_int=_parse_int)


class JsonStream:
    def __init__(self, handle: IO[str], name: str, chunk_chars: int = 1 << 20):
        self.handle, self.name, self.chunk = handle, name, chunk_chars
        self.buf, self.pos, self.eof = "", 0, False

    def _fill(self) -> bool:
        if self.eof:
            return False
        try:
            data = self.handle.read(self.chunk)
        except UnicodeDecodeError as exc:
            raise self._error(
                f"not UTF-8 text (invalid byte 0x{exc.object[exc.start]:02x}); is it a JSON manifest?"
            ) from None
        if not data:
            self.eof = True
            return False
        if len(self.buf) - self.pos > MAX_VALUE_CHARS:
            raise self._error(
                f"a single value is larger than {MAX_VALUE_CHARS >> 20} MB (an item of a manifest is not)"
            )
        self.buf = self.buf[self.pos :] + data
        self.pos = 0
        return True

    def _error(self, message: str) -> InputError:
        return InputError(f"{self.name}: not valid JSON: {message}")

    def peek(self) -> str:
        """Next non-whitespace character ('' at the end of the input)."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in _WHITESPACE:
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._fill():
                return ""

    def expect(self, chars: str) -> str:
        ch = self.peek()
        if not ch or ch not in chars:
            raise self._error(
                f"expected {' or '.join(repr(c) for c in chars)}, found {ch or 'end of file'!r}"
            )
        self.pos += 1
        return ch

    def value(self) -> Any:
        """Decode one complete value (object, array, string, number, literal)."""
        self.peek()
        while True:
            try:
                obj, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if self._fill():
                    continue
                raise self._error(str(exc)) from None
            except RecursionError:
                raise self._error("nested too deeply") from None
            # A number or literal touching the end of the window may continue in the next chunk.
            if end == len(self.buf) and not isinstance(obj, (dict, list, str)) and self._fill():
                continue
            self.pos = end
            return obj

    def members(self) -> Iterator[str]:
        """Keys of the object starting here; the caller consumes each value before the next key."""
        self.expect("{")
        if self.peek() == "}":
            self.pos += 1
            return
        while True:
            key = self.value()
            if not isinstance(key, str):
                raise self._error("object key is not a string")
            self.expect(":")
            yield key
            if self.expect(",}") == "}":
                return

    def elements(self) -> Iterator[Any]:
        """Decoded elements of the array starting here, one at a time."""
        self.expect("[")
        if self.peek() == "]":
            self.pos += 1
            return
        while True:
            yield self.value()
            if self.expect(",]") == "]":
                return

    def skip(self) -> None:
        """Consume the value starting here, element by element for containers (bounded memory)."""
        try:
            ch = self.peek()
            if ch == "[":
                for _ in self.elements():
                    pass
            elif ch == "{":
                for _ in self.members():
                    self.skip()
            else:
                self.value()
        except RecursionError:
            raise self._error("nested too deeply") from None
