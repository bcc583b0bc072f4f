import pytest

from pipelines.licenses import LICENSES, YFCC_LICENSE_IDS, parse_license, resolve_license


@pytest.mark.parametrize(
    "value, expected",
    [
        ("Attribution License", 4),
        ("CC BY 2.0", 4),
        ("Attribution-NonCommercial-ShareAlike License", 1),
        ("CC BY-NC-SA 2.0", 1),
        ("attribution-noderivs license", 6),
        ("http://creativecommons.org/licenses/by-nc/2.0/", 2),
        ("https://creativecommons.org/licenses/by-nc/2.0", 2),
        ("HTTPS://CreativeCommons.org/licenses/by-nd/2.0/deed.en", 6),
        ("http://creativecommons.org/licenses/by-sa/2.0/legalcode", 5),
        ("https://creativecommons.org/licenses/by-nc-sa/2.0/deed.pt-br", 1),
        ("https://creativecommons.org/licenses/by-nc-nd/4.0/", 16),
        ("CC BY 4.0", 11),
        ("https://creativecommons.org/publicdomain/zero/1.0/", 9),
        ("https://creativecommons.org/publicdomain/mark/1.0/deed.en", 10),
        ("CC0-1.0", 9),
        ("CC-BY-NC-2.0", 2),
        ("http://flickr.com/commons/usage/", 7),
        ("https://www.flickr.com/commons/usage/", 7),
        ("http://www.usa.gov/copyright.shtml", 8),
        ("https://www.usa.gov/government-copyright", 8),
        ("No known copyright restrictions", 7),
        ("United States Government Work", 8),
        ("All Rights Reserved", 0),
        ("Public Domain Mark", 10),
        ("3", 3),
        (5, 5),
        ("16", 16),
    ],
)
def test_known_forms_fold_to_the_flickr_id(value, expected):
    assert parse_license(value).license_id == expected


def test_jurisdiction_port_keeps_the_port():
    match = parse_license("http://creativecommons.org/licenses/by-nc-sa/2.0/jp/")
    assert (match.license_id, match.jurisdiction) == (1, "jp")


@pytest.mark.parametrize(
    "value",
    [
        "",
        None,
        "17",
        "-1",
        "by-nc",
        "CC BY",
        "Attribution",
        "http://creativecommons.org/licenses/by/3.0/",
        "http://creativecommons.org/licenses/by/4.0/jp/",
        "https://example.com/licenses/by/2.0/",
        "ftp://creativecommons.org/licenses/by/2.0/",
        "GPL-3.0",
        True,
    ],
)
def test_unknown_forms_are_not_guessed(value):
    assert parse_license(value) is None


def test_name_and_url_must_agree():
    assert resolve_license("Attribution License", "http://creativecommons.org/licenses/by/2.0/") == (4, None)
    license_id, problem = resolve_license(
        "Attribution License", "http://creativecommons.org/licenses/by-sa/2.0/"
    )
    assert license_id is None and "disagree" in problem
    assert resolve_license(None, "http://creativecommons.org/licenses/by/2.0/") == (4, None)
    assert resolve_license("Nonsense", None)[0] is None


def test_facts_match_the_license_elements():
    for lic in LICENSES.values():
        if lic.kind == "license":
            assert lic.commercial_use == ("nc" not in lic.code.split("-"))
            assert lic.derivatives == ("nd" not in lic.code.split("-"))
            assert lic.share_alike == ("sa" in lic.code.split("-"))
            assert lic.attribution is True and lic.is_license
    assert [LICENSES[i].is_license for i in (7, 8, 10)] == [False, False, False]
    assert LICENSES[7].commercial_use is None  # unknown, not guessed
    assert LICENSES[0].commercial_use is False
    assert sorted(LICENSES) == list(range(17))
    assert {LICENSES[i].code for i in YFCC_LICENSE_IDS} == {
        "by",
        "by-sa",
        "by-nd",
        "by-nc",
        "by-nc-sa",
        "by-nc-nd",
    }


def test_licenses_table_mirrors_the_facts(con):
    rows = con.execute("SELECT license_id, code, spdx_id, commercial_use FROM licenses ORDER BY 1").fetchall()
    assert len(rows) == 17
    assert rows[4] == (4, "by", "CC-BY-2.0", True)
    assert rows[7] == (7, "nkcr", None, None)
    comment = con.execute(
        "SELECT comment FROM duckdb_columns() WHERE table_name='licenses' AND column_name='commercial_use'"
    ).fetchone()[0]
    assert "Commercial use" in comment
