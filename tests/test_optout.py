"""The opt-out ledger: add, list, import (all-or-nothing, line numbers in errors), through the CLI too."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from pipelines.cli import main
from pipelines.errors import InputError
from pipelines.optout import add_optout, import_optouts, list_optouts


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def test_add_and_list(con):
    entry = add_optout(con, "user", "12345678@n00", note="  by mail ")
    assert (entry.kind, entry.value, entry.note) == ("user", "12345678@N00", "by mail")
    assert abs((utcnow() - entry.requested_at).total_seconds()) < 60
    photo = add_optout(con, "photo", "0042", requested_at=datetime(2026, 1, 2))
    assert photo.value == "42"
    assert [(e.kind, e.value) for e in list_optouts(con)] == [("photo", "42"), ("user", "12345678@N00")]
    assert photo.as_dict() == {
        "kind": "photo",
        "value": "42",
        "requested_at": "2026-01-02 00:00:00",
        "note": None,
    }
    # a repeated request keeps the first (earliest) one
    assert add_optout(con, "photo", "42", note="again").requested_at == datetime(2026, 1, 2)
    assert len(list_optouts(con)) == 2


@pytest.mark.parametrize(
    "kind, value, message",
    [
        ("user", "bob", "NSID like 12345678@N00"),
        ("user", "12345678@N0", "NSID"),
        ("user", "", "NSID"),
        ("photo", "12a", "digits only"),
        ("photo", "-5", "digits only"),
        ("photo", "0", "digits only"),
        ("group", "1", "'user' or 'photo'"),
    ],
)
def test_add_rejects_bad_values(con, kind, value, message):
    with pytest.raises(InputError, match=message):
        add_optout(con, kind, value)
    assert list_optouts(con) == []


def test_import_csv(con, tmp_path):
    path = tmp_path / "optouts.csv"
    path.write_text(
        "kind,value,requested_at,note\n"
        "user,11111111@N00,2026-01-05,email\n"
        "photo,123456,2026-01-06T10:00:00+02:00,\n"
        "\n"
        "photo,123456,2026-01-01,earlier duplicate\n"
        "user,22222222@N01,,\n",
        encoding="utf-8",
    )
    assert import_optouts(con, path) == 3
    entries = {(e.kind, e.value): e for e in list_optouts(con)}
    assert entries[("user", "11111111@N00")].requested_at == datetime(2026, 1, 5)
    assert entries[("photo", "123456")].requested_at == datetime(2026, 1, 1)  # the earliest request counts
    assert entries[("photo", "123456")].note == "earlier duplicate"
    assert entries[("user", "22222222@N01")].requested_at.date() == utcnow().date()
    # importing again adds nothing; an earlier date in a later file moves the request back
    assert import_optouts(con, path) == 0
    earlier = tmp_path / "earlier.csv"
    earlier.write_text("kind,value,requested_at\nuser,11111111@N00,2025-12-24T00:00:00Z\n")
    assert import_optouts(con, earlier) == 0
    assert {(e.kind, e.value): e for e in list_optouts(con)}[
        ("user", "11111111@N00")
    ].requested_at == datetime(2025, 12, 24)
    assert len(list_optouts(con)) == 3


@pytest.mark.parametrize(
    "text, message",
    [
        ("kind,value\nuser,11111111@N00\nuser,nobody\n", "line 3: user opt-out needs a Flickr NSID"),
        (
            "kind,value,requested_at\nphoto,12,yesterday\n",
            "line 2: requested_at 'yesterday' is not an ISO date",
        ),
        (
            "kind,value,requested_at\nphoto,12,2999-01-01\n",
            "line 2: requested_at '2999-01-01' is in the future",
        ),
        ("kind,value\nphoto,12,extra\n", "line 2: 3 fields, the header has 2"),
        ("value,kind\n12,photo\n", "line 1 must be the header kind,value"),
        ("kind,value,colour\nphoto,12,red\n", "line 1 must be the header"),
        ("", "an empty file"),
    ],
)
def test_import_is_all_or_nothing_with_line_numbers(con, tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        import_optouts(con, path)
    assert list_optouts(con) == []


def test_import_rejects_missing_and_binary_files(con, tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        import_optouts(con, tmp_path / "nope.csv")
    binary = tmp_path / "photo.jpg"
    binary.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\xff")
    with pytest.raises(InputError, match="not UTF-8"):
        import_optouts(con, binary)


def test_cli_add_list_import(db_path, tmp_path, capsys):
    db = ["--db", str(db_path)]
    assert main(db + ["optout", "add", "--user", "33333333@N03", "--note", "asked twice"]) == 0
    assert "opt-out recorded: user 33333333@N03" in capsys.readouterr().out
    assert main(db + ["optout", "add", "--photo", "not-a-number"]) == 2
    assert (
        capsys.readouterr().err.strip()
        == "ccaudit: error: photo opt-out needs a Flickr photo id (digits only, 1 to 9223372036854775807), got 'not-a-number'"
    )
    csv_path = tmp_path / "in.csv"
    csv_path.write_text("kind,value\nphoto,777\n")
    assert main(db + ["optout", "import", str(csv_path)]) == 0
    assert f"imported 1 opt-out(s) from {csv_path}" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("kind,value\nphoto,777\nuser,x\n")
    assert main(db + ["optout", "import", str(bad)]) == 2
    assert "line 3" in capsys.readouterr().err
    assert main(db + ["optout", "list"]) == 0
    listed = capsys.readouterr().out
    assert "33333333@N03  asked twice" in listed and "2 opt-out(s)" in listed
    assert main(db + ["optout", "list", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {(d["kind"], d["value"]) for d in data} == {("user", "33333333@N03"), ("photo", "777")}


# --- hostile values (issue 13, item 12) ------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, value",
    [
        ("photo", "9999999999999999999"),  # above the 64-bit range manifests accept
        ("photo", "9223372036854775808"),  # 2**63, one past it
        ("photo", "99999999999999999999999"),
        ("photo", "９９９"),  # full-width digits are not digits here
        ("photo", "٣٤٥"),  # Arabic-Indic digits
        ("photo", "999\n"),
        ("photo", "999\x00"),
        ("photo", "1e5"),
        ("photo", "+5"),
        ("user", "１２３４@N00"),
        ("user", "1234@N00\n"),
        ("user", "1234@N0０"),
        ("user", "1234@N00\x1b[2J"),
    ],
)
def test_one_validation_for_add_and_import(con, tmp_path, kind, value):
    with pytest.raises(InputError):
        add_optout(con, kind, value)
    path = tmp_path / "o.csv"
    path.write_text(f'kind,value\n{kind},"{value}"\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"line [23]"):  # a quoted newline ends the record on line 3
        import_optouts(con, path)
    assert list_optouts(con) == []


def test_largest_photo_id_is_accepted(con):
    assert add_optout(con, "photo", "9223372036854775807").value == "9223372036854775807"


def test_bom_and_long_notes_in_import(con, tmp_path):
    path = tmp_path / "o.csv"
    path.write_bytes("\ufeffkind,value,requested_at,note\nphoto,5,,ok\n".encode())
    assert import_optouts(con, path) == 1
    path.write_text("kind,value,requested_at,note\nphoto,6,," + "n" * 1001 + "\n")
    with pytest.raises(InputError, match="line 2: opt-out note"):
        import_optouts(con, path)


def test_list_and_add_print_notes_with_controls_escaped(db_path, tmp_path, capsys):
    hostile = "line1\nFAKE 2026-01-01 00:00:00  user  1@N00\x1b[31m red \x9b2J \u202eevil\r"
    assert main(["--db", str(db_path), "optout", "add", "--photo", "77", "--note", hostile]) == 0
    added = capsys.readouterr().out
    assert added.count("\n") == 1 and "\x1b" not in added and "\\x1b" in added
    path = tmp_path / "o.csv"
    path.write_text('kind,value,note\nphoto,78,"two\nlines\x07"\n')
    assert main(["--db", str(db_path), "optout", "import", str(path)]) == 0
    capsys.readouterr()
    assert main(["--db", str(db_path), "optout", "list"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 3 and out.splitlines()[-1] == "2 opt-out(s)"
    for raw in ("\x1b", "\x9b", "\u202e", "\r", "\x07"):
        assert raw not in out
    assert "line1\\nFAKE" in out and "\\x9b" in out and "\\u202e" in out and "two\\nlines\\x07" in out
    assert main(["--db", str(db_path), "optout", "list", "--json"]) == 0
    text = capsys.readouterr().out
    assert "\x9b" not in text and "\u202e" not in text and "\x1b" not in text
    assert {e["note"] for e in json.loads(text)} == {hostile.strip(), "two\nlines\x07"}


def test_cli_full_width_photo_is_one_line_error(db_path, capsys):
    assert main(["--db", str(db_path), "optout", "add", "--photo", "９９９"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ccaudit: error: photo opt-out needs") and err.count("\n") == 1


# --- where an opt-out stands: the same rule in the report and in lookup (issue 23 item 4) -------------


def _versions_world(con):
    """One account with 3 photos: 'faces' v1 (before the request) holds 2, v2 (after) holds none;
    'crops' v1 (after) holds 1; 'other' (after) never held any; the request is on 2026-02-01."""
    from datetime import timedelta

    base = datetime(2026, 1, 1)
    con.executemany(
        "INSERT INTO yfcc_photos (photo_id, line_no, owner_nsid, license_id, uploaded_at, source_file, is_video, source_line) "
        "VALUES (?, ?, '11111111@N00', 2, ?, 'x.tsv', false, 1)",
        [[900 + i, i, base - timedelta(days=400 * (i + 1))] for i in range(3)],
    )
    con.execute(
        "INSERT INTO yfcc_photos (photo_id, line_no, owner_nsid, license_id, source_file, is_video, source_line) "
        "VALUES (999, 9, '22222222@N00', 4, 'x.tsv', false, 1)"
    )
    for dataset, version, ids, at in [
        ("faces", "1", [900, 901], base),
        ("faces", "2", [999], base + timedelta(days=60)),
        ("crops", "1", [902], base + timedelta(days=60)),
        ("other", "1", [999], base + timedelta(days=60)),
    ]:
        con.execute(
            "INSERT INTO datasets (dataset, version, format, items, ingested_at) VALUES (?, ?, 'csv', ?, ?)",
            [dataset, version, len(ids), at],
        )
        con.executemany(
            "INSERT INTO dataset_items (dataset, version, item_key, photo_id) VALUES (?, ?, ?, ?)",
            [[dataset, version, f"{dataset}{version}-{pid}", pid] for pid in ids],
        )
    add_optout(con, "user", "11111111@N00", requested_at=datetime(2026, 2, 1))


def test_a_dataset_that_never_held_the_photos_is_never_said_to_honour_the_request(con):
    from pipelines.lookup.answer import lookup
    from pipelines.resources import read_sql

    _versions_world(con)
    account = lookup(con, "11111111@N00").accounts[0]
    [states] = account.standings
    assert [(s.dataset, s.version, s.state, s.items) for s in states] == [
        ("crops", "1", "still distributed", 1),
        ("faces", "1", "before the request", 2),
        ("faces", "2", "honours", 0),
    ]  # 'other' never held them: not named at all
    text = lookup(con, "11111111@N00").as_text()
    assert "still distributed by crops 1: 1 item(s)" in text and "faces 2 honours it" in text
    assert "other" not in text
    # the report's rule agrees: honoured by faces 2, still in crops 1, 'other' nowhere
    row = con.execute(read_sql("reports", "optouts_status.sql")).fetchone()
    columns = [d[0] for d in con.description]
    row = dict(zip(columns, row, strict=False))
    assert (row["status"], row["still_in"], row["honoured_by"], row["items_still_present"]) == (
        "still distributed",
        "crops 1",
        "faces 2",
        1,
    )
    by_dataset = {r[0]: r for r in con.execute(read_sql("reports", "optouts_by_dataset.sql")).fetchall()}
    columns = [d[0] for d in con.description]
    other = dict(zip(columns, by_dataset["other"], strict=False))
    faces = dict(zip(columns, by_dataset["faces"], strict=False))
    assert (other["requests_honoured"], other["requests_never_held"]) == (0, 1)
    assert (faces["requests_honoured"], faces["requests_never_held"]) == (1, 0)


def test_the_report_never_says_honours_for_a_dataset_that_never_held_the_photos():
    from pipelines.report.findings import dataset_sentence

    figures = {
        "auditable": True,
        "photos_commercial_use_known": 10,
        "photos_forbid_commercial": 5,
        "photographer_credit": "none",
        "items": 10,
        "items_with_author": 0,
        "photos_noderivs": 0,
        "photos_cc_licensed": 10,
        "photos_declared_more_rights": 0,
        "photos_sharealike_dropped": 0,
    }
    never = {
        "requests_before_version": 1,
        "requests_still_distributed": 0,
        "requests_honoured": 0,
        "requests_never_held": 1,
    }
    assert "honour" not in dataset_sentence(figures, None, never)
    honoured = dict(never, requests_honoured=1, requests_never_held=0)
    assert "it honours the 1 opt-out request" in dataset_sentence(figures, None, honoured)
