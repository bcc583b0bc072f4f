"""OpenAI's CLIP YFCC15M list: `<YFCC line number>\t<photo id>\t<photo hash>`, no header.

15M lines, so lines are parsed columnwise with Arrow compute in blocks (split, validate, cast),
and only the few bad lines are handled one by one. A header line, if a copy has one, is skipped.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from .base import ITEM_SCHEMA, ManifestFormat, StagingSink, auditable, iter_line_blocks  # noqa: F401  (auditable: adapter API)

FORMAT = ManifestFormat(
    "clip-subset", "OpenAI CLIP's YFCC15M list: `<YFCC line number>\\t<photo id>\\t<hash>` per line"
)

# A good line: three tab-separated fields, the second a photo id > 0 of at most 18 digits (fits a BIGINT).
_LINE_RE = r"^[^\t]*\t *0*[1-9][0-9]{0,17} *\t[^\t]*$"
_ID_RE = r"^[^\t]*\t *(?P<id>[0-9]+)"


def parse(path: Path, sink: StagingSink) -> None:
    for first_line, lines in iter_line_blocks(path, sink):
        if first_line == 1 and lines and _is_header(lines[0]):
            lines[0] = ""
        _parse_block(sink, first_line, lines)


def _is_header(line: str) -> bool:
    fields = line.split("\t")
    return len(fields) >= 2 and not fields[0].strip().isdigit() and not fields[1].strip().isdigit()


def _parse_block(sink: StagingSink, first_line: int, lines: list[str]) -> None:
    text = pa.array(lines, pa.string())
    line_no = pa.array(range(first_line, first_line + len(lines)), pa.int64())
    keep = pc.not_equal(pc.utf8_trim_whitespace(text), "")  # blank lines are skipped, not items
    text, line_no = text.filter(keep), line_no.filter(keep)
    ok = pc.match_substring_regex(text, _LINE_RE)
    _reject_rows(sink, text.filter(pc.invert(ok)), line_no.filter(pc.invert(ok)))
    ids = pc.cast(pc.struct_field(pc.extract_regex(text.filter(ok), _ID_RE), "id"), pa.int64())
    count = len(ids)
    nulls = pa.nulls(count, pa.string())
    sink.item_table(
        pa.table(
            {
                "item_key": pc.cast(ids, pa.string()),
                "photo_id": ids,
                "owner_ref": nulls,
                "declared_license_id": pa.nulls(count, pa.int32()),
                "declared_license_raw": nulls,
                "declared_author": nulls,
                "source_url": nulls,
                "source_line": line_no.filter(ok),
                "group_ref": nulls,
            }
        )
    )


def _reject_rows(sink: StagingSink, text, line_no) -> None:
    for raw, line in zip(text.to_pylist(), line_no.to_pylist(), strict=True):
        fields = raw.split("\t")
        if len(fields) != 3:
            sink.reject(
                line, f"field_count: {len(fields)} fields (expected 3: line number, photo id, hash)", raw
            )
        else:
            sink.reject(line, f"photo_id: not a number ({fields[1][:40]!r})", raw)
