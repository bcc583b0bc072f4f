"""Read what a person typed or pasted: every Flickr link, NSID and photo id in it, else one name.

The link forms themselves are read by `urls` (parse_flickr_url); this module finds them in free text,
decides which tokens must parse as links (URLs, host names, file names) and which are names, and
gives each reference with what it was read as or why not. search.html does the same in
templates/flickr_urls.js; tests/data/flickr_links.json holds the answers both must give.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from .urls import (
    _PHOTO_ID_RE,
    FILE_NAME_RE,
    FLICKR_HOST_RE,
    NSID_RE,
    FlickrRef,
    FlickrUrlError,
    _host_part,
    _photo,
    _photo_id,
    parse_flickr_url,
    strip_punctuation,
)

# Tokens of pasted text: runs without whitespace or the brackets/quotes that wrap links in prose.
_TOKEN_RE = re.compile(r"[^\s<>\"\[\](){}«»“”]+")
_SCHEME_RE = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
# Host names people paste without a scheme; a dotted word ending in one of these is a link, not a name.
_COMMON_TLDS = {
    "com",
    "net",
    "org",
    "edu",
    "gov",
    "mil",
    "int",
    "info",
    "biz",
    "io",
    "co",
    "kr",
    "uk",
    "de",
    "fr",
    "jp",
    "cn",
    "ru",
    "nl",
    "it",
    "es",
    "eu",
    "ca",
    "au",
    "br",
    "in",
    "ch",
    "se",
    "no",
    "pl",
    "be",
    "at",
    "dk",
    "fi",
    "us",
    "ly",
    "gl",
    "gd",
    "ai",
    "app",
    "dev",
}
_HOSTLIKE_RE = re.compile(
    r"^(?:[a-z0-9-]+\.)+(?P<tld>[a-z]{2,})(?::[0-9]+)?(?P<path>[/?#].*)?$", re.IGNORECASE
)
_MIN_ID_DIGITS_IN_PROSE = 6


def looks_like_link(token: str) -> bool:
    """Does this token look like a URL, a host name or a file name (so it must parse, never be a name)?"""
    text = strip_punctuation(token)
    if not text:
        return False
    if _SCHEME_RE.match(text) or text.startswith("//") or text.lower().startswith("www."):
        return True
    if re.match(r"^https?:", text, re.IGNORECASE):
        return True
    host = _HOSTLIKE_RE.match(text)
    if host and (
        host["path"] or host["tld"].lower() in _COMMON_TLDS or FLICKR_HOST_RE.match(_host_part(text))
    ):
        return True
    if re.match(r"^[^@\s]+@[a-z0-9-]+(\.[a-z0-9-]+)+$", text, re.IGNORECASE):  # an e-mail address
        return True
    return bool(FILE_NAME_RE.match(text))


@dataclass(frozen=True)
class TextReference:
    """One reference read from free text: what was written, and what it was read as (or why not)."""

    text: str
    ref: FlickrRef | None = None  # a photo or an account
    name: str | None = None  # a username / nickname / path alias to search
    error: str | None = None

    @property
    def label(self) -> str:
        if self.ref:
            return self.ref.label
        if self.name is not None:
            return f"name {self.name!r} (username, nickname or path alias)"
        return f"unreadable: {self.error}"


# A link glued to text before it (href='https://…', "source:flickr.com/…"): read from where it starts.
_EMBEDDED_LINK_RE = re.compile(
    r"(?:https?://|(?<![a-z0-9.-])(?:[a-z0-9-]+\.)*(?:flickr\.com|staticflickr\.com|flic\.kr)/)",
    re.IGNORECASE,
)
_LINKISH_RE = re.compile(r"://|flickr\.com|flickr\.net|flic\.kr", re.IGNORECASE)


def _read_token(token: str, in_prose: bool) -> TextReference | None:
    text = strip_punctuation(token)
    if not text:
        return None
    if not looks_like_link(text) and (embedded := _EMBEDDED_LINK_RE.search(text)) and embedded.start() > 0:
        text = strip_punctuation(text[embedded.start() :])
    if NSID_RE.match(text):
        return TextReference(text, FlickrRef("user", None, text.upper(), True, "nsid"))
    if _PHOTO_ID_RE.match(text):
        if in_prose and len(text) < _MIN_ID_DIGITS_IN_PROSE:
            return None
        try:
            return TextReference(text, _photo(_photo_id(text, "input"), "id"))
        except FlickrUrlError as exc:
            return TextReference(text, error=str(exc))
    if looks_like_link(text):
        try:
            return TextReference(text, parse_flickr_url(text))
        except FlickrUrlError as exc:
            return TextReference(text, error=str(exc))
    return None


def read_text(text: str, limit: int | None = None) -> list[TextReference]:
    """Every reference in what a person typed or pasted, in order.

    Links (with or without scheme), host names and file names must parse or are errors; NSIDs are
    accounts; numbers are photo ids (in prose, numbers of 6+ digits). Text holding none of these is
    one name (usernames may contain spaces and dots). Empty text gives no reference. With `limit`,
    reading stops once limit + 1 references are found (enough to say "too many").
    """
    if not isinstance(text, str):
        return [TextReference(repr(text), error="not text")]
    stripped = text.strip().lstrip("\ufeff")
    if not stripped:
        return []
    tokens = _TOKEN_RE.finditer(stripped)
    first, second = next(tokens, None), next(tokens, None)
    in_prose = second is not None
    found: list[TextReference] = []
    for match in itertools.chain((m for m in (first, second) if m is not None), tokens):
        if (ref := _read_token(match.group(), in_prose)) is not None:
            found.append(ref)
            if limit is not None and len(found) > limit:
                break
    if found:
        return found
    if _LINKISH_RE.search(stripped):
        return [
            TextReference(
                stripped, error="holds something like a Flickr link, but no link in it could be read"
            )
        ]
    if re.search(r"[\x00-\x08\x0b-\x1f\x7f]", stripped):
        return [TextReference(stripped, error="a name cannot hold control characters")]
    return [TextReference(stripped, name=" ".join(stripped.split()))]


def extract_flickr_refs(text: str, errors: str = "raise") -> list[FlickrRef]:
    """Every Flickr photo/account reference in free text, in order (links, NSIDs, photo ids).

    errors="raise" raises FlickrUrlError for the first link that cannot be read; errors="skip"
    leaves such links out. Names are not references here (see read_text).
    """
    refs = []
    for item in read_text(text):
        if item.error is not None:
            if errors == "raise":
                parse_flickr_url(
                    item.text
                )  # raises the reader's own error (unsupported kind, needs the API …)
                raise FlickrUrlError(item.error)
            continue
        if item.ref is not None:
            refs.append(item.ref)
    return refs
