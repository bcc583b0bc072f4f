"""Pseudonymous publishing: stable keyed hashes for uploaders and photos, and a leak check.

A published report names no one: every value of a column a report query marks `-- sensitive:`
is replaced by an HMAC-SHA256 of the value under a secret key that never enters the report
(`CCAUDIT_PSEUDONYM_KEY`, else a `.ccaudit-pseudonym-key` file created once beside the DuckDB
file). The same uploader gets the same pseudonym in every table and every later report, so
readers can follow `u_3f9a…` across runs without learning who it is. As a safety net the build
scans every string it is about to publish for NSIDs and Flickr photo/profile URLs and refuses to
publish when one is left.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path

from ..config import pseudonym_key_from_env
from ..db import database_file
from ..errors import CcauditError, ConfigError

KEY_FILE_NAME = ".ccaudit-pseudonym-key"
KEY_MIN_BYTES, KEY_MAX_BYTES = 16, 4096  # ccaudit writes 32 random bytes
DIGEST_CHARS = 12  # 48 bits: unique among millions of uploaders, short enough to read

NSID_RE = re.compile(r"\d{3,}@N\d\d", re.IGNORECASE)
# Links that lead to a person or a photo. Deliberately not every flickr.com URL: the license
# table cites flickr.com/commons/usage/ (a rights statement), which names no one.
FLICKR_PERSONAL_URL_RE = re.compile(
    r"(?:flickr\.com/(?:photos|people|photo\.gne)|staticflickr\.com/|flic\.kr/)", re.IGNORECASE
)
_DIGITS = re.compile(r"[0-9]+", re.ASCII)
# Columns that hold a person's name when they hold text. A nickname is free text: "user", "sunset"
# or a dataset's name can be a nickname too, so a clear-text name is only a leak in such a column;
# NSIDs, photo ids and links are leaks in any column.
PERSON_COLUMN_RE = re.compile(
    r"owner|uploader|user|nick|author|real_?name|alias|person|people|photographer|"
    r"credit|creator|who",
    re.IGNORECASE,
)


def key_path_for(con) -> Path:
    """`.ccaudit-pseudonym-key` beside the open DuckDB file (the key stays with the data, not the report)."""
    db_file = database_file(con)
    if db_file is None:  # an in-memory database
        return Path.home() / ".config" / "ccaudit" / KEY_FILE_NAME
    return db_file.parent / KEY_FILE_NAME


def load_key(con, env: dict | None = None) -> bytes:
    """The secret pseudonym key: from the environment, else the key file (created on first use).

    A key that cannot be read or created is a ConfigError naming the key file, whatever the cause
    (a read-only folder, a folder or a device where the file should be, a symlink loop)."""
    text = pseudonym_key_from_env(env)
    if text:
        return text.encode("utf-8")
    path = key_path_for(con)
    try:
        return _read_key(path) if os.path.lexists(path) else _create_key(path)
    except OSError as exc:
        verb = "read" if os.path.lexists(path) else "create"
        raise ConfigError(
            f"cannot {verb} the pseudonym key file {path}: {exc.strerror or exc} (set "
            "CCAUDIT_PSEUDONYM_KEY to a key of 16+ characters, or let ccaudit write that file)"
        ) from None


def _read_key(path: Path) -> bytes:
    """The key file's bytes: a regular file of KEY_MIN_BYTES to KEY_MAX_BYTES (never a device or FIFO)."""
    with open(path, "rb", opener=lambda name, flags: os.open(name, flags | os.O_NONBLOCK)) as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise ConfigError(
                f"pseudonym key file {path} is not a regular file; delete it to create a new one"
            )
        key = handle.read(KEY_MAX_BYTES + 1)
    if len(key) < KEY_MIN_BYTES:
        raise ConfigError(f"pseudonym key file {path} is too short; delete it to create a new one")
    if len(key) > KEY_MAX_BYTES:
        raise ConfigError(
            f"pseudonym key file {path} is longer than {KEY_MAX_BYTES} bytes: not a ccaudit key"
        )
    return key


def _create_key(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    # O_EXCL: two concurrent first runs cannot end up with different keys silently.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(path)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key


class Pseudonymizer:
    """Maps sensitive values to `u_…` (NSIDs), `p_…` (photo ids), `l_…` (links), `n_…` (names)."""

    def __init__(self, key: bytes):
        self._key = key
        self.replaced: set[str] = set()  # originals, to prove none of them was published

    def token(self, value: object) -> object:
        if value is None:
            return None
        text = str(value).strip()
        if not text:
            return value
        prefix = kind_prefix(text)
        if prefix == "u_":
            text = text.upper()
        self.replaced.add(str(value))
        digest = hmac.new(self._key, f"{prefix}{text}".encode(), hashlib.sha256).hexdigest()
        return prefix + digest[:DIGEST_CHARS]


def kind_prefix(text: str) -> str:
    """u_ (NSID), p_ (photo id), l_ (link) or n_ (a name: free text)."""
    text = text.strip()
    if NSID_RE.fullmatch(text):
        return "u_"
    if _DIGITS.fullmatch(text):
        return "p_"
    if "://" in text or FLICKR_PERSONAL_URL_RE.search(text):
        return "l_"
    return "n_"


# In a description (a column COMMENT, a view's SQL, an edition's notes) a URL form such as
# flickr.com/photos/<alias>/ or '…flickr.com/photos/' || owner_nsid names no one: there a link is a
# leak only when an account, photo or path follows the personal prefix.
PERSONAL_LINK_IN_TEXT_RE = re.compile(
    rf"(?:https?://)?[\w.-]*(?:{FLICKR_PERSONAL_URL_RE.pattern})(?=/?[\w?@%=-])\S*", re.IGNORECASE
)


def find_description_leaks(text: str) -> list[str]:
    """NSIDs and links to a person in a description (URL forms with placeholders are not leaks)."""
    return [m.group(0) for m in NSID_RE.finditer(text)] + [
        m.group(0) for m in PERSONAL_LINK_IN_TEXT_RE.finditer(text)
    ]


def redact_description(text: str) -> str:
    """The description with NSIDs as [nsid] and links to a person as [link], as in the edition's text."""
    return NSID_RE.sub("[nsid]", PERSONAL_LINK_IN_TEXT_RE.sub("[link]", text))


def find_leaks(text: str) -> list[str]:
    """NSIDs and personal Flickr URLs in `text` (what pseudonymous mode must never publish)."""
    found = [m.group(0) for m in NSID_RE.finditer(text)]
    found += [m.group(0) for m in FLICKR_PERSONAL_URL_RE.finditer(text)]
    return found


def assert_no_leaks(label: str, text: str) -> None:
    """Fail the build when a published text still names an uploader or links to a photo."""
    leaks = find_leaks(text)
    if leaks:
        raise CcauditError(
            f"pseudonymous report not written: {label} still contains {leaks[0]!r} "
            f"({len(leaks)} such value(s)); mark the column `-- sensitive:` in its sql/reports file"
        )


def assert_no_original_values(
    label: str, cells, originals: set[str], columns: list[str] | None = None
) -> None:
    """Fail when a value that was pseudonymised in one table is published in clear in another.

    With `columns`, `cells` are rows: an identity (NSID, photo id, link) is a leak in any column,
    a name only in a column that names people (PERSON_COLUMN_RE), so a dataset called like a
    nickname, or an opt-out of kind 'user' beside an uploader nicknamed 'user', is no leak.
    Without `columns`, `cells` are single values and every original counts."""
    checks: Iterator[tuple[bool | None, object]]
    if columns is None:
        checks = ((None, cell) for cell in cells)
    else:
        person = [bool(PERSON_COLUMN_RE.search(c)) for c in columns]
        checks = ((person[i], cell) for row in cells for i, cell in enumerate(row))
    for is_person_column, cell in checks:
        if not isinstance(cell, str) or cell not in originals:
            continue
        if is_person_column is False and kind_prefix(cell) == "n_":
            continue
        raise CcauditError(
            f"pseudonymous report not written: {label} publishes a value that another table "
            "pseudonymises; mark that column `-- sensitive:` too"
        )
