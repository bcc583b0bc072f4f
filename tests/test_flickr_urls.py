"""The Flickr link parser on every form of photo, video and account link, in every spelling a
person or a manifest may hold; unsupported kinds and unreadable links fail with the reason.

Real examples come from the research notes (flickr-url-parser's documented cases, YFCC100M rows,
Wikimedia Commons source fields); each is multiplied over host spellings, schemes, case and the
punctuation pasted text puts around a link.
"""

import pytest

from pipelines.flickr.freetext import extract_flickr_refs, looks_like_link, read_text
from pipelines.flickr.urls import (
    BASE58_ALPHABET,
    FlickrRef,
    FlickrUrlError,
    NeedsFlickrApi,
    UnsupportedFlickrLink,
    decode_base58,
    encode_base58,
    parse_file_name,
    parse_flickr_url,
    parse_owner_ref,
    parse_photo_ref,
)
from tests.flickr_links import as_json, spelled, texts
from tests.flickr_links import load as load_cases


def _b58(number: int) -> str:
    """Independent reference encoder for the tests (string building, not divmod on the result)."""
    out = ""
    while number:
        out = BASE58_ALPHABET[number % 58] + out
        number //= 58
    return out or BASE58_ALPHABET[0]


def _b58_decode(code: str) -> int:
    return sum(BASE58_ALPHABET.index(ch) * 58**i for i, ch in enumerate(reversed(code)))


# The cases live in tests/data/flickr_links.json, shared with the Node test of the page's parser.
CASES = load_cases()
PHOTOS = [(url, int(photo_id), owner, nsid, form) for url, photo_id, owner, nsid, form in CASES["photos"]]


@pytest.mark.parametrize("url, photo_id, owner, owner_is_nsid, form", PHOTOS)
def test_photo_urls(url, photo_id, owner, owner_is_nsid, form):
    assert parse_flickr_url(url) == FlickrRef("photo", photo_id, owner, owner_is_nsid, form)
    assert parse_photo_ref(url).photo_id == photo_id


SPELLED = spelled(CASES)


@pytest.mark.parametrize("url, photo_id", SPELLED)
def test_every_spelling_of_a_photo_link(url, photo_id):
    assert parse_flickr_url(url).photo_id == photo_id


@pytest.mark.parametrize("url, photo_id", SPELLED[::3])
def test_a_link_inside_a_sentence(url, photo_id):
    text = f"Hi, my photo is here: {url} — please remove it!"
    refs = extract_flickr_refs(text)
    assert [r.photo_id for r in refs] == [photo_id]


@pytest.mark.parametrize(
    "host", ["www.flickr.com", "flickr.com", "m.flickr.com", "secure.flickr.com", "WWW.Flickr.COM"]
)
@pytest.mark.parametrize("scheme", ["https://", "http://", ""])
@pytest.mark.parametrize(
    "owner, nsid", [("39019111@N00", True), ("coast_guard", False), ("Henri-Light", False)]
)
def test_photo_pages_on_every_page_host(host, scheme, owner, nsid):
    for tail in (
        "",
        "/",
        "/in/photostream/",
        "/sizes/o/",
        "/in/album-72157607317745768/",
        "/in/faves-1234@N00/",
    ):
        ref = parse_flickr_url(f"{scheme}{host}/photos/{owner}/32812033543{tail}")
        assert (ref.kind, ref.photo_id, ref.owner, ref.owner_is_nsid) == ("photo", 32812033543, owner, nsid)


@pytest.mark.parametrize(
    "host",
    [
        "live.staticflickr.com",
        "farm1.staticflickr.com",
        "farm66.staticflickr.com",
        "farm3.static.flickr.com",
        "static.flickr.com",
        "LIVE.STATICFLICKR.COM",
    ],
)
@pytest.mark.parametrize(
    "suffix",
    [
        "",
        "_s",
        "_q",
        "_t",
        "_m",
        "_n",
        "_w",
        "_z",
        "_c",
        "_b",
        "_h",
        "_k",
        "_3k",
        "_4k",
        "_5k",
        "_6k",
        "_o",
        "_o_d",
        "_b_d",
        "_k_d",
        "_d",
    ],
)
def test_every_size_and_download_suffix_on_every_file_host(host, suffix):
    assert parse_flickr_url(f"https://{host}/2903/32812033543_c1b3784192{suffix}.jpg").photo_id == 32812033543


@pytest.mark.parametrize(
    "name, photo_id",
    [
        ("32812033543_c1b3784192_o_d.jpg", 32812033543),
        ("32812033543_c1b3784192_b_d.jpg", 32812033543),
        ("32812033543_c1b3784192_o.png", 32812033543),
        ("32812033543_c1b3784192.jpg", 32812033543),
        ("52868534222_346a41e5a9_o.mp4", 52868534222),
        ("'32812033543_c1b3784192_k_d.jpeg'.", 32812033543),
    ],
)
def test_download_button_file_names(name, photo_id):
    assert parse_file_name(name) == FlickrRef("photo", photo_id, None, False, "file")
    assert parse_flickr_url(name).photo_id == photo_id
    assert [r.photo_id for r in extract_flickr_refs(f"I found {name} in a dataset")] == [photo_id]


@pytest.mark.parametrize(
    "name",
    ["holiday.jpg", "2009_01.jpg", "IMG_1234.JPG", "32812033543_c1b3.jpg", "32812033543_c1b3784192_o_d.exe"],
)
def test_other_file_names_are_errors_not_names(name):
    if name.endswith(".exe"):
        assert not looks_like_link(name)
        return
    assert looks_like_link(name)
    with pytest.raises(FlickrUrlError, match="not a Flickr file name"):
        parse_flickr_url(name)


USERS = [tuple(case) for case in CASES["users"]]


@pytest.mark.parametrize("url, owner, owner_is_nsid", USERS)
def test_user_urls(url, owner, owner_is_nsid):
    ref = parse_flickr_url(url)
    assert (ref.kind, ref.photo_id, ref.owner, ref.owner_is_nsid) == ("user", None, owner, owner_is_nsid)
    with pytest.raises(FlickrUrlError, match="user URL"):
        parse_photo_ref(url)


@pytest.mark.parametrize("url, owner, _nsid", USERS)
@pytest.mark.parametrize("wrap", ["{}.", "({})", "see {}, thanks", "<{}>;"])
def test_account_links_in_prose(url, owner, _nsid, wrap):
    refs = extract_flickr_refs(wrap.format(url))
    assert [(r.kind, r.owner) for r in refs] == [("user", owner)]


UNSUPPORTED = [tuple(case) for case in CASES["unsupported"]]


@pytest.mark.parametrize("url, kind", UNSUPPORTED)
def test_unsupported_kinds_are_named(url, kind):
    with pytest.raises(UnsupportedFlickrLink) as caught:
        parse_flickr_url(url)
    assert caught.value.kind == kind
    assert f"a Flickr {kind} link" in str(caught.value)


@pytest.mark.parametrize("url", CASES["needs_api"])
def test_links_only_flickr_can_resolve(url):
    with pytest.raises(NeedsFlickrApi, match="needs the Flickr API"):
        parse_flickr_url(url)


BAD = [tuple(case) for case in CASES["bad"]]


@pytest.mark.parametrize("bad, reason", BAD)
def test_bad_urls_raise_with_reason(bad, reason):
    with pytest.raises(FlickrUrlError, match=reason):
        parse_flickr_url(bad)


def test_error_is_a_value_error():
    assert issubclass(FlickrUrlError, ValueError)
    assert issubclass(UnsupportedFlickrLink, FlickrUrlError) and issubclass(NeedsFlickrApi, FlickrUrlError)


@pytest.mark.parametrize("text, expected", [("5215831864", 5215831864), (" 42 ", 42)])
def test_bare_photo_ids(text, expected):
    assert parse_photo_ref(text) == FlickrRef("photo", expected, None, False, "id")


@pytest.mark.parametrize("text", ["0", "-5", "12.5", "9223372036854775808", "' OR 1=1 --", "%", "_"])
def test_bad_photo_refs(text):
    with pytest.raises(FlickrUrlError):
        parse_photo_ref(text)


def test_base58_known_values_and_round_trip():
    assert decode_base58("2") == 1
    assert decode_base58("21") == 58
    assert decode_base58("Z") == 57
    for number in (1, 57, 58, 3359636318, 5215831864, 52158318640, 2**40 + 7):
        assert decode_base58(_b58(number)) == number
        assert encode_base58(number) == _b58(number)


@pytest.mark.parametrize(
    "text, owner, nsid",
    [
        ("39019111@N00", "39019111@N00", True),
        ("brokentaco", "brokentaco", False),
        ("https://www.flickr.com/people/brokentaco/", "brokentaco", False),
        ("https://www.flickr.com/photos/39019111@N00/6255196340/", "39019111@N00", True),
    ],
)
def test_owner_refs(text, owner, nsid):
    ref = parse_owner_ref(text)
    assert (ref.owner, ref.owner_is_nsid) == (owner, nsid)


@pytest.mark.parametrize(
    "text", ["http://farm7.staticflickr.com/6116/6255196340_da26cf2c9e_z.jpg", "a b", "x%"]
)
def test_owner_refs_refused(text):
    with pytest.raises(FlickrUrlError):
        parse_owner_ref(text)


def test_nsids_are_matched_whatever_the_case_and_stored_with_a_capital_n():
    from pipelines.flickr.urls import normalise_nsid

    assert normalise_nsid(" 12345678@n00 ") == "12345678@N00"
    assert normalise_nsid("someone") is None
    assert parse_owner_ref("12345678@n01").owner == "12345678@N01"


# --- free text ----------------------------------------------------------------------------------


def test_a_pasted_paragraph_gives_every_reference_in_order():
    text = (
        "Source: https://www.flickr.com/photos/coast_guard/32812033543/ (CC BY 2.0), also flic.kr/p/2ouuqFT, "
        "the file live.staticflickr.com/2903/32812033543_c1b3784192_w_d.jpg; uploader 12345678@N00 "
        "(www.flickr.com/people/henri_light/), photo 5215831864. In 2009 I took 3 photos."
    )
    refs = extract_flickr_refs(text)
    assert [(r.kind, r.photo_id, r.owner) for r in refs] == [
        ("photo", 32812033543, "coast_guard"),
        ("photo", _b58_decode("2ouuqFT"), None),
        ("photo", 32812033543, None),
        ("user", None, "12345678@N00"),
        ("user", None, "henri_light"),
        ("photo", 5215831864, None),
    ]


def test_bad_links_in_text_raise_or_are_skipped():
    text = "good https://flic.kr/p/2ouuqFT bad https://www.flickr.com/groups/x/ other https://example.com/a"
    with pytest.raises(UnsupportedFlickrLink):
        extract_flickr_refs(text)
    assert [r.form for r in extract_flickr_refs(text, errors="skip")] == ["short"]
    read = read_text(text)
    assert [bool(r.error) for r in read] == [False, True, True]


@pytest.mark.parametrize(
    "text, name",
    [
        ("henri_light", "henri_light"),
        ("Henri Bergius", "Henri Bergius"),
        ("  zoë.the wanderer42 ", "zoë.the wanderer42"),
        ("henri.light", "henri.light"),
        ("John 1984", "John 1984"),
        ("anna+photo", "anna+photo"),
    ],
)
def test_text_without_references_is_one_name(text, name):
    assert [(r.name, r.ref, r.error) for r in read_text(text)] == [(name, None, None)]


@pytest.mark.parametrize(
    "text",
    [
        "live.staticflickr.com/2903/32812033543_c1b3784192_w_d.jpg",
        "https://www.flickr.com/photos/henri_light/",
        "12345678@N00",
        "5215831864",
        "105",
    ],
)
def test_references_are_never_names(text):
    [item] = read_text(text)
    assert item.ref is not None and item.name is None


@pytest.mark.parametrize(
    "text",
    [
        "example.com",
        "www.example.org",
        "flickr.com",
        "https://www.flickr.com/groups/x/",
        "holiday.jpg",
        "user@example.com",
        "http:www.flickr.com/photos/x/1",
        "flic.kr/ps/ZVcni",
        "evil.com/photos/x/1/",
    ],
)
def test_link_like_input_that_does_not_parse_is_an_error_not_a_name(text):
    [item] = read_text(text)
    assert item.error and item.name is None and item.ref is None


def test_empty_and_control_characters():
    assert read_text("") == [] and read_text("  \n ") == []
    assert read_text("\ufeff12345678@N00")[0].ref.owner == "12345678@N00"
    [item] = read_text("bad\x1bname")
    assert item.error and "control" in item.error


@pytest.mark.parametrize(
    "text, photo_id",
    [
        ("<a href='https://www.flickr.com/photos/coast_guard/32812033543/'>source</a>", 32812033543),
        ('<a href="https://flic.kr/p/2ouuqFT">flickr</a>', _b58_decode("2ouuqFT")),
        ("source=flickr.com/photos/coast_guard/32812033543", 32812033543),
        (
            "[[File:X.jpg|source:https://live.staticflickr.com/65535/53381630964_63d765ee92_o.jpg]]",
            53381630964,
        ),
        ("{{Flickr|url=www.flickr.com/photos/coast_guard/32812033543}}", 32812033543),
    ],
)
def test_links_glued_to_markup_are_found(text, photo_id):
    assert [r.photo_id for r in extract_flickr_refs(text)] == [photo_id]


@pytest.mark.parametrize("text", ["href='flickr.com'", "my flickr.com page", "see flic.kr", "a://b"])
def test_text_that_mentions_flickr_but_holds_no_readable_link_is_an_error(text):
    [item] = read_text(text)
    assert item.error and item.name is None


@pytest.mark.parametrize("text", texts(CASES))
def test_read_text_gives_the_shared_answer(text):
    """Every case of the shared file, read exactly as pinned there (and as the page's parser must, tests/js)."""
    assert as_json(read_text(text)) == CASES["read_text"][text]


def test_the_shared_file_pins_every_case():
    assert set(CASES["read_text"]) == set(texts(CASES))
