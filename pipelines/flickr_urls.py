"""Parse every form of Flickr URL a manifest or a user may give, without touching the network.

Photo pages (`/photos/<nsid|alias>/<id>/…`, any host spelling), static image URLs (farm, live, cN
hosts), `flic.kr/p/<base58>` short links (decoded locally), `photo.gne?id=` and user pages
(`/photos/<x>/`, `/people/<x>/`). Anything else raises `FlickrUrlError` with the reason: a URL we
cannot read is reported, never guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

NSID_RE = re.compile(r"^\d+@N\d\d$", re.IGNORECASE)
# Flickr path aliases are letters, digits, '-' and '_'; anything else is not an account name.
_ALIAS_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_PHOTO_ID_RE = re.compile(r"^[0-9]{1,19}$")
_STATIC_FILE_RE = re.compile(
    r"^(?P<id>[0-9]{1,19})_(?P<secret>[0-9a-f]+)(?:_(?P<size>[a-z0-9]{1,3}))?\.(?:jpe?g|png|gif)$")
_FARM_HOST_RE = re.compile(r"^farm[0-9]+\.static\.?flickr\.com$")
_CDN_HOST_RE = re.compile(r"^c[0-9]+\.staticflickr\.com$")

BASE58_ALPHABET = "123456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
_BASE58_VALUE = {ch: i for i, ch in enumerate(BASE58_ALPHABET)}

_PAGE_HOSTS = {"flickr.com", "www.flickr.com", "m.flickr.com", "secure.flickr.com"}
_SHORT_HOSTS = {"flic.kr", "www.flic.kr"}
# First path segments under /photos/ that are site sections, not accounts.
_RESERVED_ACCOUNTS = {"tags", "upload", "organize", "friends", "search", "places", "me", "groups"}
_MAX_PHOTO_ID = 2**63 - 1


class FlickrUrlError(ValueError):
    """Text that is not a Flickr photo or user reference; the message says why."""


@dataclass(frozen=True)
class FlickrRef:
    kind: str                    # 'photo' or 'user'
    photo_id: int | None = None
    owner: str | None = None     # NSID or path alias, as written in the URL
    owner_is_nsid: bool = False
    form: str = ""               # page, static, short, gne, people, id, nsid


def is_nsid(text: str) -> bool:
    return bool(NSID_RE.match(text))


def normalise_nsid(text: str) -> str | None:
    """'12345678@n00' -> '12345678@N00' (Flickr writes NSIDs with a capital N); None if not an NSID."""
    stripped = text.strip() if isinstance(text, str) else ""
    return stripped.upper() if NSID_RE.match(stripped) else None


def decode_base58(text: str) -> int:
    """Decode a flic.kr short code (Flickr's base58 alphabet, no 0/O/I/l) to a photo id."""
    if not text:
        raise FlickrUrlError("empty flic.kr short code")
    if len(text) > 11:  # 58**11 > 2**63: a longer code is no photo id (and int->str would refuse it)
        raise FlickrUrlError(f"flic.kr short code of {len(text):,} characters is too long for a photo id")
    value = 0
    for ch in text:
        digit = _BASE58_VALUE.get(ch)
        if digit is None:
            raise FlickrUrlError(f"flic.kr short code {text!r} has a character outside Flickr's base58: {ch!r}")
        value = value * 58 + digit
    return value


def encode_base58(number: int) -> str:
    """Inverse of decode_base58 (used to write flic.kr links in synthetic manifests)."""
    if number < 0:
        raise ValueError("negative number")
    digits = []
    while True:
        number, rest = divmod(number, 58)
        digits.append(BASE58_ALPHABET[rest])
        if number == 0:
            return "".join(reversed(digits))


def _photo_id(text: str, where: str) -> int:
    if not _PHOTO_ID_RE.match(text):
        raise FlickrUrlError(f"photo id {text!r} in {where} is not a number")
    value = int(text)
    if value <= 0 or value > _MAX_PHOTO_ID:
        raise FlickrUrlError(f"photo id {text!r} in {where} is out of range")
    return value


def _owner(text: str, url: str) -> tuple[str, bool]:
    if NSID_RE.match(text):
        return text.upper(), True
    if _ALIAS_RE.match(text) and text.lower() not in _RESERVED_ACCOUNTS:
        return text, False
    raise FlickrUrlError(f"{text!r} in {url!r} is neither an NSID nor a Flickr path alias")


def _checked_photo(photo_id: int, form: str, owner: str | None = None, owner_is_nsid: bool = False) -> FlickrRef:
    if photo_id <= 0 or photo_id > _MAX_PHOTO_ID:
        raise FlickrUrlError(f"photo id {photo_id} is out of range")
    return FlickrRef("photo", photo_id, owner, owner_is_nsid, form)


def _parse_page(parts: list[str], query: dict[str, list[str]], url: str) -> FlickrRef:
    if parts == ["photo.gne"]:
        ids = query.get("id")
        if not ids:
            raise FlickrUrlError(f"photo.gne URL without an id parameter: {url!r}")
        return _checked_photo(_photo_id(ids[0], url), "gne")
    if len(parts) >= 2 and parts[0] == "people":
        owner, nsid = _owner(parts[1], url)
        return FlickrRef("user", None, owner, nsid, "people")
    if len(parts) >= 2 and parts[0] == "photos":
        owner, nsid = _owner(parts[1], url)
        rest = parts[2:]
        if not rest or re.fullmatch(r"page[0-9]+", rest[0]):
            return FlickrRef("user", None, owner, nsid, "page")
        if _PHOTO_ID_RE.match(rest[0]):
            # Anything after the id (/in/…, /sizes/…, /lightbox) names a view of the same photo.
            return _checked_photo(_photo_id(rest[0], url), "page", owner, nsid)
        raise FlickrUrlError(f"not a photo or user URL ({'/'.join(rest[:1])} pages are not supported): {url!r}")
    raise FlickrUrlError(f"not a Flickr photo or user page: {url!r}")


def _parse_static(host: str, parts: list[str], url: str) -> FlickrRef:
    # farmN/live: /<server>/<file>; cN: /<farm>/<server>/<file>; live also serves the farm form.
    if not parts or not all(p.isdigit() for p in parts[:-1]) or not 2 <= len(parts) <= 3:
        raise FlickrUrlError(f"static image URL has an unexpected path: {url!r}")
    match = _STATIC_FILE_RE.match(parts[-1])
    if not match:
        raise FlickrUrlError(f"static image file name is not <id>_<secret>[_size].jpg: {url!r}")
    return _checked_photo(_photo_id(match["id"], url), "static")


def parse_flickr_url(url: str) -> FlickrRef:
    """Parse one Flickr URL to a FlickrRef; raises FlickrUrlError with the reason otherwise."""
    if not isinstance(url, str):
        raise FlickrUrlError(f"expected a URL string, got {type(url).__name__}")
    text = url.strip()
    if not text:
        raise FlickrUrlError("empty URL")
    if "://" not in text:
        if not re.match(r"^(www\.|m\.)?(flickr\.com|flic\.kr|[a-z0-9]+\.static\.?flickr\.com)/", text, re.IGNORECASE):
            raise FlickrUrlError(f"not a URL: {text!r}")
        text = "https://" + text
    try:
        split = urlsplit(text)
        host = (split.hostname or "").lower()
    except ValueError as exc:
        raise FlickrUrlError(f"malformed URL {url!r}: {exc}") from None
    if split.scheme.lower() not in ("http", "https"):
        raise FlickrUrlError(f"not an http(s) URL: {url!r}")
    parts = [p for p in split.path.split("/") if p]
    if host in _PAGE_HOSTS:
        return _parse_page(parts, parse_qs(split.query), url)
    if host in _SHORT_HOSTS:
        if len(parts) == 2 and parts[0] == "p":
            return _checked_photo(decode_base58(parts[1]), "short")
        raise FlickrUrlError(f"flic.kr link is not a photo short link (/p/<code>): {url!r}")
    if host == "live.staticflickr.com" or _FARM_HOST_RE.match(host) or _CDN_HOST_RE.match(host):
        return _parse_static(host, parts, url)
    raise FlickrUrlError(f"not a Flickr URL (host {host or 'missing'}): {url!r}")


def parse_photo_ref(text: str) -> FlickrRef:
    """A photo reference: a bare photo id or any photo URL form. User URLs are refused."""
    stripped = text.strip() if isinstance(text, str) else ""
    if _PHOTO_ID_RE.match(stripped):
        return _checked_photo(_photo_id(stripped, "input"), "id")
    if stripped and "/" not in stripped:
        raise FlickrUrlError(f"not a photo id or Flickr photo URL: {stripped!r}")
    ref = parse_flickr_url(stripped if stripped else text)
    if ref.kind != "photo":
        raise FlickrUrlError(f"a user URL, not a photo URL: {text!r}")
    return ref


def parse_owner_ref(text: str) -> FlickrRef:
    """An uploader reference: an NSID, a path alias, or a user/photo URL that names the owner."""
    stripped = text.strip() if isinstance(text, str) else ""
    if NSID_RE.match(stripped):
        return FlickrRef("user", None, stripped.upper(), True, "nsid")
    if "/" in stripped:
        ref = parse_flickr_url(stripped)
        if ref.owner is None:
            raise FlickrUrlError(f"URL does not name the uploader: {text!r}")
        return ref
    if _ALIAS_RE.match(stripped):
        return FlickrRef("user", None, stripped, False, "alias")
    raise FlickrUrlError(f"{text!r} is neither an NSID, a path alias nor a Flickr user URL")
