"""Canonical Flickr license facts and the normaliser every ingest path uses.

Flickr keys licenses by a numeric id (0-16). Datasets froze whatever name or URL was current when
they were built: "Attribution License" (before June 2025) or "CC BY 2.0" (since), http or https,
with or without a trailing slash, deed/legalcode pages, 2.0 jurisdiction ports (`/2.0/jp/`).
`parse_license` folds all of those to the id; anything it does not recognise maps to None and is
reported by the caller, never guessed. Facts and sources: docs/licenses.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit


@dataclass(frozen=True)
class License:
    license_id: int
    code: str
    version: str | None
    name: str
    name_before_2025: str | None
    url: str
    spdx_id: str | None
    kind: str
    is_license: bool
    commercial_use: bool | None
    derivatives: bool | None
    share_alike: bool | None
    attribution: bool | None
    caveat: str | None = None


_CC_ELEMENTS = {  # code -> (commercial_use, derivatives, share_alike, old-style name)
    "by": (True, True, False, "Attribution License"),
    "by-sa": (True, True, True, "Attribution-ShareAlike License"),
    "by-nd": (True, False, False, "Attribution-NoDerivs License"),
    "by-nc": (False, True, False, "Attribution-NonCommercial License"),
    "by-nc-sa": (False, True, True, "Attribution-NonCommercial-ShareAlike License"),
    "by-nc-nd": (False, False, False, "Attribution-NonCommercial-NoDerivs License"),
}
_CC_IDS = {  # (code, version) -> Flickr id
    ("by-nc-sa", "2.0"): 1,
    ("by-nc", "2.0"): 2,
    ("by-nc-nd", "2.0"): 3,
    ("by", "2.0"): 4,
    ("by-sa", "2.0"): 5,
    ("by-nd", "2.0"): 6,
    ("by", "4.0"): 11,
    ("by-sa", "4.0"): 12,
    ("by-nd", "4.0"): 13,
    ("by-nc", "4.0"): 14,
    ("by-nc-sa", "4.0"): 15,
    ("by-nc-nd", "4.0"): 16,
}


def _cc_license(license_id: int, code: str, version: str) -> License:
    commercial, derivatives, share_alike, old_name = _CC_ELEMENTS[code]
    return License(
        license_id=license_id,
        code=code,
        version=version,
        name=f"CC {code.upper()} {version}",
        name_before_2025=old_name if version == "2.0" else None,
        url=f"https://creativecommons.org/licenses/{code}/{version}/",
        spdx_id=f"CC-{code.upper()}-{version}",
        kind="license",
        is_license=True,
        commercial_use=commercial,
        derivatives=derivatives,
        share_alike=share_alike,
        attribution=True,
    )


LICENSES: dict[int, License] = {
    0: License(
        0,
        "arr",
        None,
        "All Rights Reserved",
        "All Rights Reserved",
        "https://www.flickrhelp.com/hc/en-us/articles/10710266545556-Using-Flickr-images-shared-by-other-members",
        None,
        "all_rights_reserved",
        False,
        False,
        False,
        False,
        None,
        "No reuse without the photographer's permission.",
    ),
    7: License(
        7,
        "nkcr",
        None,
        "No known copyright restrictions",
        "No known copyright restrictions",
        "https://www.flickr.com/commons/usage/",
        None,
        "rights_statement",
        False,
        None,
        None,
        False,
        False,
        "A Flickr Commons institution's statement, not a license: reuse is likely but not guaranteed free.",
    ),
    8: License(
        8,
        "usgov",
        None,
        "United States Government Work",
        "United States Government Work",
        "https://www.usa.gov/government-copyright",
        None,
        "public_domain_statute",
        False,
        True,
        True,
        False,
        False,
        "Public domain in the United States only (17 U.S.C. 105); may be protected abroad.",
    ),
    9: License(
        9,
        "cc0",
        "1.0",
        "Public Domain Dedication (CC0)",
        "Public Domain Dedication (CC0)",
        "https://creativecommons.org/publicdomain/zero/1.0/",
        "CC0-1.0",
        "waiver",
        True,
        True,
        True,
        False,
        False,
    ),
    10: License(
        10,
        "pdm",
        "1.0",
        "Public Domain Mark",
        "Public Domain Mark",
        "https://creativecommons.org/publicdomain/mark/1.0/",
        "CC-PDM-1.0",
        "public_domain_mark",
        False,
        True,
        True,
        False,
        False,
        "A label that the work is already free of known copyright, not a grant by the uploader.",
    ),
}
LICENSES.update({lid: _cc_license(lid, code, version) for (code, version), lid in _CC_IDS.items()})
LICENSES = dict(sorted(LICENSES.items()))

# The six licenses of YFCC100M, in the order of its README and the published breakdown.
YFCC_LICENSE_IDS = (4, 5, 6, 2, 1, 3)

# 2.0 jurisdiction ports: same elements as the unported license; the port is kept by the caller.
_PORTS = {
    "at",
    "au",
    "be",
    "br",
    "ca",
    "cl",
    "de",
    "es",
    "fr",
    "hr",
    "it",
    "jp",
    "kr",
    "nl",
    "pl",
    "tw",
    "uk",
    "za",
    "scotland",
    "ch",
    "cn",
    "dk",
    "fi",
    "il",
    "in",
    "mx",
    "my",
    "pt",
    "se",
    "si",
}


@dataclass(frozen=True)
class LicenseMatch:
    license_id: int
    jurisdiction: str | None = None  # e.g. 'jp' for http://creativecommons.org/licenses/by/2.0/jp/


def _fold(text: str) -> str:
    return re.sub(r"[\s_]+", " ", text.strip().lower())


def _name_aliases() -> dict[str, int]:
    aliases: dict[str, int] = {}
    for lic in LICENSES.values():
        for name in (lic.name, lic.name_before_2025, lic.spdx_id):
            if name:
                aliases[_fold(name)] = lic.license_id
        if lic.version and lic.code not in ("cc0", "pdm"):
            # Human ids as in other tools: cc-by-2.0, by-nc-sa 2.0, "CC BY-NC-SA 2.0" without the CC.
            aliases[_fold(f"cc-{lic.code}-{lic.version}")] = lic.license_id
            aliases[_fold(f"{lic.code} {lic.version}")] = lic.license_id
    aliases.update(
        {
            "cc0 1.0": 9,
            "cc0": 9,
            "cc-zero": 9,
            "public domain dedication": 9,
            "pdm 1.0": 10,
            "public domain mark 1.0": 10,
            "no known copyright restrictions": 7,
            "nkcr": 7,
            "us government work": 8,
            "united states government work": 8,
            "usgov": 8,
            "all rights reserved": 0,
            "arr": 0,
            "©": 0,
        }
    )
    # Bare CC codes ('by-nc', 'CC BY-NC') name no version, so they stay unknown: guessing 2.0
    # or 4.0 would decide whether a photo predates June 2025, which the input does not say.
    return aliases


_NAMES = _name_aliases()

_NON_CC_URLS = {  # host + path (no scheme, no www., no trailing slash) -> id
    "flickr.com/commons/usage": 7,
    "usa.gov/copyright.shtml": 8,
    "usa.gov/government-copyright": 8,
    "flickrhelp.com/hc/en-us/articles/10710266545556-using-flickr-images-shared-by-other-members": 0,
}
_PAGE_SUFFIX = re.compile(r"^(deed|legalcode)(\.[a-z_-]+)?(\.html?)?$")


def _parse_cc_url(host: str, parts: list[str]) -> LicenseMatch | None:
    if host != "creativecommons.org":
        return None
    if parts and _PAGE_SUFFIX.match(parts[-1]):
        parts = parts[:-1]
    if len(parts) == 3 and parts[0] == "publicdomain" and parts[2] == "1.0":
        return {"zero": LicenseMatch(9), "mark": LicenseMatch(10)}.get(parts[1])
    if parts == ["licenses", "mark", "1.0"]:
        return LicenseMatch(10)
    if len(parts) in (3, 4) and parts[0] == "licenses":
        license_id = _CC_IDS.get((parts[1], parts[2]))
        if license_id is None:
            return None
        if len(parts) == 3:
            return LicenseMatch(license_id)
        if parts[2] == "2.0" and parts[3] in _PORTS:
            return LicenseMatch(license_id, jurisdiction=parts[3])
    return None


def _parse_url(text: str) -> LicenseMatch | None:
    raw = text.strip()
    if "://" not in raw:
        raw = "http://" + raw
    try:
        split = urlsplit(raw.lower())
    except ValueError:
        return None
    if split.scheme not in ("http", "https"):
        return None
    host = (split.hostname or "").removeprefix("www.")
    path = split.path.strip("/")
    parts = [p for p in path.split("/") if p]
    match = _parse_cc_url(host, parts)
    if match is not None:
        return match
    license_id = _NON_CC_URLS.get(f"{host}/{path}")
    return LicenseMatch(license_id) if license_id is not None else None


@lru_cache(maxsize=4096)
def parse_license(value: object) -> LicenseMatch | None:
    """Fold a license id, name, URL, SPDX id or code to a Flickr license id; None if unknown."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return LicenseMatch(value) if value in LICENSES else None
    text = str(value).strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():  # not '²' or 5000 digits: int() refuses both
        number = int(text) if len(text) <= 18 else -1
        return LicenseMatch(number) if number in LICENSES else None
    if "/" in text or text.lower().startswith(("http", "www.", "creativecommons")):
        return _parse_url(text)
    license_id = _NAMES.get(_fold(text))
    return LicenseMatch(license_id) if license_id is not None else None


def license_id_for(value: object) -> int | None:
    match = parse_license(value)
    return match.license_id if match else None


def resolve_license(name: str | None, url: str | None) -> tuple[int | None, str | None]:
    """License id from a (name, URL) pair as YFCC100M and COCO publish them.

    Returns (license_id, problem). Both parts must agree when both are given; a pair that
    disagrees or that neither part identifies yields (None, reason) for the caller to report.
    """
    by_url = license_id_for(url) if url else None
    by_name = license_id_for(name) if name else None
    if by_url is not None and by_name is not None and by_url != by_name:
        return None, f"license name {name!r} and URL {url!r} disagree"
    found = by_url if by_url is not None else by_name
    if found is None:
        return None, f"unknown license (name {name!r}, URL {url!r})"
    return found, None


def sync_licenses_table(con) -> None:
    """Replace the rows of `licenses` with the facts above (called by every migration)."""
    columns = list(License.__dataclass_fields__)
    rows = [tuple(getattr(lic, column) for column in columns) for lic in LICENSES.values()]
    con.execute("DELETE FROM licenses")
    con.executemany(
        f"INSERT INTO licenses ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})", rows
    )
