"""The Flickr link cases both parsers are held to: tests/data/flickr_links.json.

tests/test_flickr_urls.py (pipelines/flickr/urls.py, freetext.py) and tests/js/flickr_urls.test.js (the page's
pipelines/report/templates/flickr_urls.js, run by Node from tests/test_search_js.py) read the same
file. Its `read_text` section pins what read_text gives for every case; after a deliberate change to
the parser, regenerate it with `python -m tests.flickr_links --write` and review the diff.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

DATA = Path(__file__).with_name("data") / "flickr_links.json"


def load() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


def spellings(url: str) -> list[str]:
    """The same link as people write it: scheme or not, http/https, host case, pasted in prose."""
    scheme, rest = url.split("://", 1)
    host, _, path = rest.partition("/")
    out = {
        url,
        rest,
        f"http://{rest}",
        f"https://{rest}",
        f"{scheme}://{host.upper()}/{path}",
        f"{url}.",
        f"{url},",
        f"({url})",
        f"<{url}>",
        f'"{url}"',
        f"{url}!",
        f"{url});",
        f"'{url}'",
    }
    return sorted(out)


def spelled(data: dict) -> list[tuple[str, int]]:
    return [
        (s, int(photo_id))
        for url, photo_id, *_ in data["photos"][21:]
        if "://" in url and not url.startswith("//")
        for s in spellings(url.strip())
    ]


def texts(data: dict) -> list[str]:
    """Every text whose read_text answer is pinned, in a stable order, without repeats."""
    found = (
        [u for u, *_ in data["photos"]] + [u for u, *_ in data["users"]] + [u for u, _ in data["unsupported"]]
    )
    found += (
        data["needs_api"] + [u for u, _ in data["bad"]] + [s for s, _ in spelled(data)] + data["extra_texts"]
    )
    return list(dict.fromkeys(found))


def as_json(items) -> list[dict]:
    """read_text's answer in the shape the page's readText gives (photo ids as strings)."""
    return [
        {
            "text": i.text,
            "ref": None
            if i.ref is None
            else {
                "kind": i.ref.kind,
                "photo_id": None if i.ref.photo_id is None else str(i.ref.photo_id),
                "owner": i.ref.owner,
                "owner_is_nsid": i.ref.owner_is_nsid,
                "form": i.ref.form,
            },
            "name": i.name,
            "error": i.error,
        }
        for i in items
    ]


def write() -> None:
    from pipelines.flickr.freetext import read_text

    data = load()
    data["read_text"] = {text: as_json(read_text(text)) for text in texts(data)}
    DATA.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    write()
