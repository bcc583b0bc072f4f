"""Typed views of Flickr API JSON, with every field coerced explicitly.

Flickr's JSON mixes types for the same kind of field: `"license": "4"` in one response and
`4` in another, `ispro` 0/1, `farm` a number but `views` a string, text wrapped in
`{"_content": ...}`, `path_alias` null, "" or absent, and owner-editable dates that can be junk
(`"dateuploaded": "2013"`). Nothing here trusts a field's JSON type.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from ..licenses import LICENSES, license_id_for, resolve_license

# Flickr launched in 2004; an epoch before 2000 is an owner-set placeholder, not a real time.
_EARLIEST_EPOCH = 946684800
# Every integer column is a BIGINT; a longer digit string is junk, not a number.
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1
# Longest text kept from an answer (a title, a name); owner-editable text can be anything.
TEXT_LIMIT = 4096

T = TypeVar("T")


class MalformedAnswer(ValueError):
    """stat=ok, but a part of the answer does not have the shape the method documents
    (e.g. `"owner": "notadict"`). The call is recorded as an error; the run goes on."""


def parse_answer(parse: Callable[[dict], T], payload: dict) -> T:
    """Run a `from_payload` parser; any shape it cannot handle becomes MalformedAnswer."""
    try:
        return parse(payload)
    except MalformedAnswer:
        raise
    except (AttributeError, TypeError, ValueError, KeyError, IndexError, RecursionError) as exc:
        raise MalformedAnswer(f"malformed answer: {type(exc).__name__}") from None


def _object(value: Any, where: str) -> dict:
    """A JSON object that may be absent (None, "" -> {}); anything else is a malformed answer."""
    if value is None or value == "" or value == []:
        return {}
    if not isinstance(value, dict):
        raise MalformedAnswer(f"malformed answer: {where} is {type(value).__name__}, expected an object")
    return value


def content(value: Any) -> Any:
    """Unwrap Flickr's `{"_content": x}` text wrapper."""
    if isinstance(value, dict):
        return value.get("_content")
    return value


def as_text(value: Any) -> str | None:
    value = content(value)
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value)[:TEXT_LIMIT]
    # Lone surrogates (a JSON "\ud800") cannot be stored as UTF-8, NUL not in every tool downstream.
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")


def as_nonempty_text(value: Any) -> str | None:
    text = as_text(value)
    return text if text and text.strip() else None


def as_int(value: Any) -> int | None:
    value = content(value)
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value if _INT_MIN <= value <= _INT_MAX else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and _INT_MIN <= value <= _INT_MAX else None
    text = str(value).strip()
    digits = text.removeprefix("-")
    if digits.isascii() and digits.isdigit() and len(digits) <= 19:
        number = int(text)
        return number if _INT_MIN <= number <= _INT_MAX else None
    return None


def as_bool(value: Any) -> bool | None:
    number = as_int(value)
    return None if number is None else number != 0


def as_epoch(value: Any) -> datetime | None:
    """Unix seconds → naive UTC datetime; None for junk such as "2013" or an empty string."""
    seconds = as_int(value)
    if seconds is None or seconds < _EARLIEST_EPOCH or seconds > 32503680000:
        return None
    return datetime.fromtimestamp(seconds, tz=UTC).replace(tzinfo=None)


def as_list(value: Any) -> list:
    """Repeated elements are arrays, but be lenient with a single object."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


@dataclass(frozen=True)
class PhotoInfo:
    photo_id: int | None
    license_raw: str | None
    license_id: int | None  # None when Flickr sends a license id we do not know
    owner_nsid: str | None
    owner_username: str | None
    owner_path_alias: str | None  # stored: resolves a manifest's path alias to owner_nsid for free
    title: str | None
    is_public: bool | None
    media: str | None
    posted_at: datetime | None
    updated_at: datetime | None
    # Not parsed (no one used them): views, the owner's realname (people.getInfo gives it), the page URL.

    @classmethod
    def from_payload(cls, payload: dict) -> PhotoInfo:
        photo = _object(payload.get("photo"), "photo")
        owner = _object(photo.get("owner"), "photo.owner")
        license_raw = as_text(photo.get("license"))
        return cls(
            photo_id=as_int(photo.get("id")),
            license_raw=license_raw,
            license_id=license_id_for(license_raw),
            owner_nsid=as_nonempty_text(owner.get("nsid")),
            owner_username=as_nonempty_text(owner.get("username")),
            owner_path_alias=as_nonempty_text(owner.get("path_alias")),
            title=as_text(photo.get("title")),
            is_public=as_bool(_get(photo, "visibility", "ispublic")),
            media=as_nonempty_text(photo.get("media")) or "photo",
            posted_at=as_epoch(_get(photo, "dates", "posted") or photo.get("dateuploaded")),
            updated_at=as_epoch(_get(photo, "dates", "lastupdate")),
        )


@dataclass(frozen=True)
class PersonInfo:
    nsid: str | None
    username: str | None
    realname: str | None
    path_alias: str | None
    location: str | None
    is_pro: bool | None
    photo_count: int | None
    # Not parsed (no one used them): is_deleted (a deleted account answers code 5), photosurl.

    @classmethod
    def from_payload(cls, payload: dict) -> PersonInfo:
        person = _object(payload.get("person"), "person")
        return cls(
            nsid=as_nonempty_text(person.get("nsid") or person.get("id")),
            username=as_nonempty_text(person.get("username")),
            realname=as_nonempty_text(person.get("realname")),
            path_alias=as_nonempty_text(person.get("path_alias")),
            location=as_nonempty_text(person.get("location")),
            is_pro=as_bool(person.get("ispro")),
            photo_count=as_int(_get(person, "photos", "count")),
        )


@dataclass(frozen=True)
class LicenseInfo:
    flickr_id: int | None
    name: str | None
    url: str | None
    license_id: int | None  # our canonical id; None if Flickr lists an id we do not know

    @classmethod
    def list_from_payload(cls, payload: dict) -> list[LicenseInfo]:
        out = []
        for item in as_list(_get(payload, "licenses", "license")):
            item = _object(item, "licenses.license[]")
            flickr_id = as_int(item.get("id"))
            out.append(
                cls(
                    flickr_id=flickr_id,
                    name=as_text(item.get("name")),
                    url=as_nonempty_text(item.get("url")),
                    license_id=flickr_id if flickr_id in LICENSES else None,
                )
            )
        return out


@dataclass(frozen=True)
class LicenseChange:
    changed_at: datetime | None
    old_license_id: int | None
    new_license_id: int | None  # None with new_license_raw None: the entry records the original license
    old_license_raw: str | None
    new_license_raw: str | None

    @classmethod
    def list_from_payload(cls, payload: dict) -> list[LicenseChange]:
        # Entries name licenses by name + URL, not id; the URL is the stable part.
        out = []
        for item in as_list(payload.get("license_history")):
            item = _object(item, "license_history[]")
            old_name, old_url = (
                as_nonempty_text(item.get("old_license")),
                as_nonempty_text(item.get("old_license_url")),
            )
            new_name, new_url = (
                as_nonempty_text(item.get("new_license")),
                as_nonempty_text(item.get("new_license_url")),
            )
            out.append(
                cls(
                    changed_at=as_epoch(item.get("date_change")),
                    old_license_id=resolve_license(old_name, old_url)[0] if (old_name or old_url) else None,
                    new_license_id=resolve_license(new_name, new_url)[0] if (new_name or new_url) else None,
                    old_license_raw=old_url or old_name,
                    new_license_raw=new_url or new_name,
                )
            )
        return sorted(out, key=lambda c: (c.changed_at is None, c.changed_at or datetime.min))


@dataclass(frozen=True)
class LookedUpUser:
    nsid: str | None
    username: str | None

    @classmethod
    def from_payload(cls, payload: dict) -> LookedUpUser:
        user = _object(payload.get("user"), "user")
        return cls(
            nsid=as_nonempty_text(user.get("id") or user.get("nsid")),
            username=as_nonempty_text(user.get("username")),
        )
