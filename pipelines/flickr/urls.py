"""Read every form of Flickr link a manifest or a person may hold, without touching the network.

Photos and videos: photo pages of every era (`/photos/<owner>/<id>/…` with `/in/…`, `/sizes/…`,
`/play/…` after it, the old singular `/photo/<owner>/<id>`, `m.`/`secure.`/`www.` hosts, `#/photos/…`
fragments of the old mobile site), `.gne` pages (`photo.gne?id=`, `photo_zoom.gne`, `photo_exif.gne`,
`photo_edit.gne`, `video_download.gne` …, and `photo.gne?short=<base58>`), `flic.kr/p/<base58>`
short links (decoded locally), image files on every static host (`static.flickr.com`,
`photosN.flickr.com`, `farmN.static.flickr.com`, `farmN.staticflickr.com`, `cN.staticflickr.com`,
`live.staticflickr.com`) with any size suffix and the Download button's `_d` suffix, video files
(`live.staticflickr.com/video/<id>/…`), and bare file names as saved by the Download button
(`32812033543_c1b3784192_o_d.jpg`). Accounts: `/photos/<owner>/` and any page of it (`/albums`,
`/favorites`, `/page3` …) and `/people/<owner>/`.

Anything else raises `FlickrUrlError` saying why. Links to kinds ccaudit does not search (albums,
galleries, groups, tags) raise `UnsupportedFlickrLink` naming the kind; links only Flickr itself can
resolve (guest passes, `flic.kr/ps/…` account short links) raise `NeedsFlickrApi`. Nothing is
guessed: a link that cannot be read is an error, never a name. Free text (a pasted paragraph, a list)
is read by `freetext`, which uses this module for every link it finds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

NSID_RE = re.compile(r"^[0-9]+@N[0-9][0-9]$", re.IGNORECASE)
# Flickr path aliases are letters, digits, '-' and '_'; anything else is not an account name.
ALIAS_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_PHOTO_ID_RE = re.compile(r"^[0-9]{1,19}$")
# File extensions of Flickr's images and videos (one list for every file-name pattern below).
_FILE_EXTS = r"jpe?g|png|gif|tiff?|webp|heic|mp4|mov|m4v|avi|3gp|mpe?g|wmv|flv|webm"
# <id>_<secret>[_<size>][_d].<ext>: sizes are s q t m n w z c b h k 3k 4k 5k 6k o (and older ones);
# `_d` is what the Download button appends.
_FILE_RE = re.compile(
    r"^(?P<id>[0-9]{1,19})_(?P<secret>[0-9a-f]{1,40})(?:_(?P<size>[a-z0-9]{1,3}))?(?P<dl>_d)?"
    rf"\.(?P<ext>{_FILE_EXTS})$",
    re.IGNORECASE,
)
# A bare file name (no host) must look exactly like Flickr's: a 10-hex-digit secret.
_BARE_FILE_RE = re.compile(
    r"^(?P<id>[0-9]{1,19})_(?P<secret>[0-9a-f]{10})(?:_(?P<size>[a-z0-9]{1,3}))?(?P<dl>_d)?"
    rf"\.(?P<ext>{_FILE_EXTS})$",
    re.IGNORECASE,
)
FILE_NAME_RE = re.compile(rf"^[^/\\\s]+\.({_FILE_EXTS})$", re.IGNORECASE)
_GNE_PHOTO_RE = re.compile(r"^(photo|video)[a-z_]*\.gne$")

BASE58_ALPHABET = "123456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
_BASE58_VALUE = {ch: i for i, ch in enumerate(BASE58_ALPHABET)}

_PAGE_HOSTS = {
    "flickr.com",
    "www.flickr.com",
    "m.flickr.com",
    "secure.flickr.com",
    "touch.flickr.com",
    "mobile.flickr.com",
    "flickr.net",
    "www.flickr.net",
}
_SHORT_HOSTS = {"flic.kr", "www.flic.kr"}
_STATIC_HOST_RE = re.compile(
    r"^(live\.staticflickr\.com|static\.flickr\.com|staticflickr\.com|photos[0-9]+\.flickr\.com"
    r"|farm[0-9]+\.static\.?flickr\.com|farm[0-9]+\.staticflickr\.com|c[0-9]+\.staticflickr\.com)$"
)
# Text before the first '/' that makes a scheme-less string a Flickr link.
FLICKR_HOST_RE = re.compile(
    r"^(?:[a-z0-9-]+\.)*(?:flickr\.com|flickr\.net|staticflickr\.com|flic\.kr)$", re.IGNORECASE
)

# Pages under /photos/<x>/<y>/<id> that are other kinds of thing than an account or a photo.
_OWNER_SUBKINDS = {
    "albums": "album",
    "sets": "album",
    "collections": "collection",
    "galleries": "gallery",
    "tags": "tag",
}
# Site sections that take the place of an account in /photos/<x>/.
_SECTIONS = {
    "tags": "tag",
    "friends": "friends' photos",
    "upload": "upload",
    "organize": "organizer",
    "search": "search",
    "places": "places",
    "groups": "group",
    "me": "'me' (whoever is logged in)",
}
# First path segments of flickr.com pages that are not photos or accounts, by kind.
_TOP_KINDS = {
    "groups": "group",
    "groups_pool.gne": "group",
    "tags": "tag",
    "search": "search",
    "explore": "explore",
    "galleries": "gallery",
    "commons": "Commons",
    "map": "map",
    "places": "places",
    "help": "help",
    "account": "account settings",
    "services": "services",
    "cameras": "camera",
    "camera_finder": "camera",
    "about": "about",
    "prints": "prints",
    "photos_user_map.gne": "map",
    "recent": "recent uploads",
    "creativecommons": "Creative Commons",
}
_MAX_PHOTO_ID = 2**63 - 1
# Punctuation that ends a sentence, closes a bracket or quotes, and never ends a Flickr link.
_TRAILING = ".,;:!?'\")]}>»”’…"
_LEADING = "'\"([{<«“‘"


class FlickrUrlError(ValueError):
    """Text that is not a readable Flickr photo or account reference; the message says why."""


class UnsupportedFlickrLink(FlickrUrlError):
    """A real Flickr link to a kind of thing ccaudit does not search (album, gallery, group, tag …)."""

    def __init__(self, kind: str, url: str):
        self.kind = kind
        super().__init__(
            f"a Flickr {kind} link, not a photo or an account: {url!r} "
            f"(ccaudit looks up photos and accounts; give a photo or account link)"
        )


class NeedsFlickrApi(FlickrUrlError):
    """A link whose photo or account only Flickr can tell (guest pass, account short link)."""

    def __init__(self, what: str, url: str):
        self.what = what
        super().__init__(
            f"{what} needs the Flickr API to resolve: {url!r} "
            f"(open it in a browser and give the address it leads to)"
        )


@dataclass(frozen=True)
class FlickrRef:
    kind: str  # 'photo' or 'user'
    photo_id: int | None = None
    owner: str | None = None  # NSID (upper case) or path alias, as written in the link
    owner_is_nsid: bool = False
    form: str = ""  # page, static, video, short, gne, file, people, id, nsid, alias

    @property
    def label(self) -> str:
        """What the reference was read as, for answers ('photo 123 (from a static image link)')."""
        if self.kind == "photo":
            return f"photo {self.photo_id} ({_FORM_LABELS.get(self.form, self.form)})"
        what = "NSID" if self.owner_is_nsid else "path alias"
        form = "account" if self.form == "page" else self.form  # /photos/<owner>/ is the account's page
        return f"account {self.owner} ({what}, {_FORM_LABELS.get(form, form)})"


_FORM_LABELS = {
    "page": "from a photo page link",
    "static": "from an image file link",
    "video": "from a video file link",
    "short": "from a flic.kr short link",
    "gne": "from a .gne page link",
    "file": "from a Download file name",
    "people": "from a profile link",
    "id": "a photo id",
    "nsid": "an NSID",
    "alias": "a path alias",
    "account": "from an account page link",
}


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
            raise FlickrUrlError(f"short code {text!r} has a character outside Flickr's base58: {ch!r}")
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


def strip_punctuation(text: str) -> str:
    """A link as pasted in prose: drop quotes/brackets around it and sentence punctuation after it."""
    text = text.strip()
    while text and text[0] in _LEADING:
        text = text[1:]
    while text and text[-1] in _TRAILING:
        text = text[:-1]
    return text


def _photo_id(text: str, where: str) -> int:
    if text.isascii() and text.isdigit() and len(text) > 19:
        raise FlickrUrlError(f"photo id {text!r} in {where!r} is out of range")
    if not _PHOTO_ID_RE.match(text):
        raise FlickrUrlError(f"photo id {text!r} in {where!r} is not a number")
    value = int(text)
    if value <= 0 or value > _MAX_PHOTO_ID:
        raise FlickrUrlError(f"photo id {text!r} in {where!r} is out of range")
    return value


def _owner(text: str, url: str) -> tuple[str, bool]:
    if NSID_RE.match(text):
        return text.upper(), True
    if ALIAS_RE.match(text):
        return text, False
    raise FlickrUrlError(f"{text!r} in {url!r} is neither an NSID nor a Flickr path alias")


def _photo(photo_id: int, form: str, owner: str | None = None, owner_is_nsid: bool = False) -> FlickrRef:
    if photo_id <= 0 or photo_id > _MAX_PHOTO_ID:
        raise FlickrUrlError(f"photo id {photo_id} is out of range")
    return FlickrRef("photo", photo_id, owner, owner_is_nsid, form)


def _owner_page(parts: list[str], url: str, form: str) -> FlickrRef:
    """/photos/<owner>/… or /people/<owner>/…: a photo, the account, or an unsupported kind."""
    first = parts[1]
    if parts[0] == "photos" and first.lower() in _SECTIONS:
        raise UnsupportedFlickrLink(_SECTIONS[first.lower()], url)
    owner, nsid = _owner(first, url)
    rest = parts[2:]
    if not rest:
        return FlickrRef("user", None, owner, nsid, form)
    if rest[0].isascii() and rest[0].isdigit():
        if parts[0] == "people":
            raise FlickrUrlError(f"a number after a /people/ account is not a photo page: {url!r}")
        # Anything after the id (/in/…, /sizes/…, /play/…, /lightbox, /meta) is a view of the same photo.
        return _photo(_photo_id(rest[0], url), "page", owner, nsid)
    sub = rest[0].lower()
    if sub in _OWNER_SUBKINDS and len(rest) > 1 and not re.fullmatch(r"page[0-9]+", rest[1].lower()):
        raise UnsupportedFlickrLink(_OWNER_SUBKINDS[sub], url)
    # The account's own pages: /albums, /favorites, /page3, /map, /with/<id>, /galleries …
    return FlickrRef("user", None, owner, nsid, "account")


def _parse_page(parts: list[str], query: str, url: str) -> FlickrRef:
    params = parse_qs(query)
    if not parts:
        raise FlickrUrlError(f"Flickr's home page names no photo or account: {url!r}")
    head = parts[0].lower()
    if _GNE_PHOTO_RE.match(head) and len(parts) == 1:
        ids, shorts = params.get("id"), params.get("short")
        if ids:
            return _photo(_photo_id(ids[0].strip(), url), "gne")
        if shorts and head == "photo.gne":
            return _photo(decode_base58(shorts[0].strip()), "gne")
        raise FlickrUrlError(f"{parts[0]} link without a photo id (id=…): {url!r}")
    if head == "apps" and parts[1:] == ["video", "stewart.swf"]:  # the Flash video player of 2008-2015
        ids = params.get("photo_id")
        if ids:
            return _photo(_photo_id(ids[0].strip(), url), "video")
        raise FlickrUrlError(f"video player link without a photo_id: {url!r}")
    if head == "short_urls.gne":
        raise NeedsFlickrApi("a short_urls.gne link", url)
    if head == "gp" and len(parts) >= 2:
        raise NeedsFlickrApi("a guest-pass link", url)
    if head in ("photos", "people") and len(parts) >= 2:
        return _owner_page([head, *parts[1:]], url, "page" if head == "photos" else "people")
    if head == "photo" and len(parts) >= 3 and _PHOTO_ID_RE.match(parts[2]):
        owner, nsid = _owner(parts[1], url)
        return _photo(_photo_id(parts[2], url), "page", owner, nsid)
    if head in _TOP_KINDS:
        raise UnsupportedFlickrLink(_TOP_KINDS[head], url)
    raise FlickrUrlError(f"not a Flickr photo or account page ({parts[0]!r} pages are not read): {url!r}")


def _parse_static(parts: list[str], url: str) -> FlickrRef:
    # Video files: live.staticflickr.com/video/<id>/<secret>/<size>.mp4
    if len(parts) >= 2 and parts[0].lower() == "video":
        return _photo(_photo_id(parts[1], url), "video")
    # Images: /<file> (photosN), /<server>/<file> (static, farmN, live), /<farm>/<server>/<file> (cN, live)
    if not 1 <= len(parts) <= 3 or not all(p.isdigit() for p in parts[:-1]):
        raise FlickrUrlError(
            f"Flickr file link with an unexpected path (not /<server>/<id>_<secret>.jpg): {url!r}"
        )
    match = _FILE_RE.match(parts[-1])
    if not match:
        raise FlickrUrlError(f"Flickr file name is not <id>_<secret>[_size][_d].<ext>: {url!r}")
    is_video = match["ext"].lower() in (
        "mp4",
        "mov",
        "m4v",
        "avi",
        "3gp",
        "mpg",
        "mpeg",
        "wmv",
        "flv",
        "webm",
    )
    return _photo(_photo_id(match["id"], url), "video" if is_video else "static")


def parse_file_name(name: str) -> FlickrRef:
    """A file saved from Flickr (`32812033543_c1b3784192_o_d.jpg`): the photo id before the secret."""
    text = strip_punctuation(name)
    match = _BARE_FILE_RE.match(text)
    if not match:
        raise FlickrUrlError(
            f"file name {text!r} is not a Flickr file name (<photo id>_<10-digit secret>[_size][_d].<ext>)"
        )
    return _photo(_photo_id(match["id"], text), "file")


def _host_part(text: str) -> str:
    """'www.flickr.com:443/photos/…' -> 'www.flickr.com' (the host of a link written without scheme)."""
    host = re.split(r"[/?#]", text, maxsplit=1)[0]
    return re.sub(r":[0-9]*$", "", host).rstrip(".")


def parse_flickr_url(url: str) -> FlickrRef:
    """Parse one Flickr link to a FlickrRef; raises FlickrUrlError with the reason otherwise."""
    if not isinstance(url, str):
        raise FlickrUrlError(f"expected a URL string, got {type(url).__name__}")
    text = strip_punctuation(url)
    if not text:
        raise FlickrUrlError("empty URL")
    if re.search(r"[\s\x00-\x1f\x7f]", text):
        raise FlickrUrlError(f"a link cannot hold spaces or control characters: {text!r}")
    scheme = re.match(r"^([a-z][a-z0-9+.-]*):", text, re.IGNORECASE)
    if text.startswith("//"):
        text = "https:" + text
    elif scheme and text[scheme.end() :].startswith("//"):
        pass
    elif FLICKR_HOST_RE.match(_host_part(text)):
        text = "https://" + text
    elif scheme and scheme[1].lower() in ("http", "https"):
        raise FlickrUrlError(f"malformed URL (no // after {scheme[1]}:): {url!r}")
    elif FILE_NAME_RE.match(text):
        return parse_file_name(text)
    else:
        raise FlickrUrlError(f"not a Flickr link: {text!r}")
    try:
        split = urlsplit(text)
        host = (split.hostname or "").lower().rstrip(".")
        split.port  # noqa: B018 -- raises on a malformed port
    except ValueError as exc:
        raise FlickrUrlError(f"malformed URL {text!r}: {exc}") from None
    if split.scheme.lower() not in ("http", "https"):
        raise FlickrUrlError(f"not an http(s) link: {text!r}")
    try:
        parts = [unquote(p, errors="strict") for p in split.path.split("/") if p]
    except UnicodeDecodeError:
        raise FlickrUrlError(f"malformed percent-encoding in {text!r}") from None
    if host in _PAGE_HOSTS:
        if not parts and split.fragment.startswith("/"):  # old mobile site: m.flickr.com/#/photos/x/123/
            inner = urlsplit(split.fragment)
            parts, query = [p for p in inner.path.split("/") if p], inner.query
        else:
            query = split.query
        return _parse_page(parts, query, text)
    if host == "embedr.flickr.com":  # the embed player: /photos/<id>, /photostreams/<owner>
        if len(parts) == 2 and parts[0] == "photos":
            return _photo(_photo_id(parts[1], text), "page")
        if len(parts) == 2 and parts[0] == "photostreams":
            owner, nsid = _owner(parts[1], text)
            return FlickrRef("user", None, owner, nsid, "account")
        raise FlickrUrlError(f"embedr.flickr.com link is not a photo or photostream embed: {text!r}")
    if host in _SHORT_HOSTS:
        kind = parts[0] if parts else ""
        if kind == "p" and len(parts) == 2:
            return _photo(decode_base58(parts[1]), "short")
        if kind == "ps":
            raise NeedsFlickrApi("an account short link (flic.kr/ps/…)", text)
        if kind in ("s", "y", "g", "gp"):
            raise UnsupportedFlickrLink(
                {"s": "album", "y": "gallery", "g": "group", "gp": "group"}[kind], text
            )
        raise FlickrUrlError(f"flic.kr link is not a photo short link (/p/<code>): {text!r}")
    if _STATIC_HOST_RE.match(host):
        return _parse_static(parts, text)
    if FLICKR_HOST_RE.match(host):
        raise FlickrUrlError(f"{host} serves no photo or account pages: {text!r}")
    raise FlickrUrlError(f"not a Flickr URL (host {host or 'missing'}): {text!r}")


def parse_photo_ref(text: str) -> FlickrRef:
    """A photo reference: a bare photo id, a Flickr file name or any photo link. Account links are refused."""
    stripped = text.strip() if isinstance(text, str) else ""
    if _PHOTO_ID_RE.match(stripped):
        return _photo(_photo_id(stripped, "input"), "id")
    if stripped and "/" not in stripped and not FILE_NAME_RE.match(strip_punctuation(stripped)):
        raise FlickrUrlError(f"not a photo id or Flickr photo URL: {stripped!r}")
    ref = parse_flickr_url(stripped if stripped else text)
    if ref.kind != "photo":
        raise FlickrUrlError(f"a user URL, not a photo URL: {text!r}")
    return ref


def parse_owner_ref(text: str) -> FlickrRef:
    """An uploader reference: an NSID, a path alias, or an account/photo link that names the owner."""
    stripped = text.strip() if isinstance(text, str) else ""
    if NSID_RE.match(stripped):
        return FlickrRef("user", None, stripped.upper(), True, "nsid")
    if "/" in stripped:
        ref = parse_flickr_url(stripped)
        if ref.owner is None:
            raise FlickrUrlError(f"URL does not name the uploader: {text!r}")
        return ref
    if ALIAS_RE.match(stripped):
        return FlickrRef("user", None, stripped, False, "alias")
    raise FlickrUrlError(f"{text!r} is neither an NSID, a path alias nor a Flickr user URL")
