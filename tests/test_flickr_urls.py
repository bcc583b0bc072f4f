import pytest

from pipelines.flickr_urls import (
    BASE58_ALPHABET,
    FlickrRef,
    FlickrUrlError,
    decode_base58,
    encode_base58,
    parse_flickr_url,
    parse_owner_ref,
    parse_photo_ref,
)


def _b58(number: int) -> str:
    """Independent reference encoder for the tests (string building, not divmod on the result)."""
    out = ""
    while number:
        out = BASE58_ALPHABET[number % 58] + out
        number //= 58
    return out or BASE58_ALPHABET[0]


PHOTOS = [
    # (url, photo_id, owner, owner_is_nsid, form)
    ("https://www.flickr.com/photos/39019111@N00/6255196340/", 6255196340, "39019111@N00", True, "page"),
    ("http://www.flickr.com/photos/39019111@N00/6255196340", 6255196340, "39019111@N00", True, "page"),
    ("https://flickr.com/photos/brokentaco/5215831864", 5215831864, "brokentaco", False, "page"),
    ("https://m.flickr.com/photos/brokentaco/5215831864/", 5215831864, "brokentaco", False, "page"),
    ("https://www.flickr.com/photos/brokentaco/5215831864/in/photostream/", 5215831864, "brokentaco", False, "page"),
    ("https://www.flickr.com/photos/brokentaco/5215831864/in/album-72157607317745768/", 5215831864,
     "brokentaco", False, "page"),
    ("https://www.flickr.com/photos/brokentaco/5215831864/sizes/l/", 5215831864, "brokentaco", False, "page"),
    ("https://www.flickr.com/photos/brokentaco/5215831864/lightbox", 5215831864, "brokentaco", False, "page"),
    ("https://www.flickr.com/photos/brokentaco/5215831864/?foo=bar#comments", 5215831864, "brokentaco", False, "page"),
    ("HTTPS://WWW.FLICKR.COM/photos/Broken_Taco-2/5215831864", 5215831864, "Broken_Taco-2", False, "page"),
    ("www.flickr.com/photos/39019111@N00/6255196340/", 6255196340, "39019111@N00", True, "page"),
    ("  https://www.flickr.com/photos/39019111@N00/6255196340/  ", 6255196340, "39019111@N00", True, "page"),
    ("http://farm7.staticflickr.com/6116/6255196340_da26cf2c9e_z.jpg", 6255196340, None, False, "static"),
    ("https://farm3.static.flickr.com/2345/3588949802_0123abcd.jpg", 3588949802, None, False, "static"),
    ("https://live.staticflickr.com/4129/5215831864_46f356962f_o.jpg", 5215831864, None, False, "static"),
    ("https://live.staticflickr.com/65535/52158318640_46f356962f_3k.png", 52158318640, None, False, "static"),
    ("https://c1.staticflickr.com/5/4129/5215831864_46f356962f_o.jpg", 5215831864, None, False, "static"),
    ("https://www.flickr.com/photo.gne?id=1808093328", 1808093328, None, False, "gne"),
    ("http://flickr.com/photo.gne?rb=1&id=1808093328", 1808093328, None, False, "gne"),
    (f"https://flic.kr/p/{_b58(5215831864)}", 5215831864, None, False, "short"),
    (f"http://flic.kr/p/{_b58(6255196340)}/", 6255196340, None, False, "short"),
]


@pytest.mark.parametrize("url, photo_id, owner, owner_is_nsid, form", PHOTOS)
def test_photo_urls(url, photo_id, owner, owner_is_nsid, form):
    assert parse_flickr_url(url) == FlickrRef("photo", photo_id, owner, owner_is_nsid, form)
    assert parse_photo_ref(url).photo_id == photo_id


@pytest.mark.parametrize("url, owner, owner_is_nsid", [
    ("https://www.flickr.com/photos/39019111@N00/", "39019111@N00", True),
    ("https://www.flickr.com/photos/brokentaco", "brokentaco", False),
    ("https://www.flickr.com/people/brokentaco/", "brokentaco", False),
    ("https://www.flickr.com/people/118815643@N04/", "118815643@N04", True),
    ("https://www.flickr.com/photos/brokentaco/page3", "brokentaco", False),
])
def test_user_urls(url, owner, owner_is_nsid):
    ref = parse_flickr_url(url)
    assert (ref.kind, ref.photo_id, ref.owner, ref.owner_is_nsid) == ("user", None, owner, owner_is_nsid)
    with pytest.raises(FlickrUrlError, match="user URL"):
        parse_photo_ref(url)


@pytest.mark.parametrize("bad, reason", [
    ("", "empty"),
    ("not a url", "not a URL"),
    ("https://example.com/photos/x/123/", "not a Flickr URL"),
    ("ftp://www.flickr.com/photos/x/123/", "http"),
    ("https://www.flickr.com/", "not a Flickr photo or user page"),
    ("https://www.flickr.com/photos/x/albums/721576", "not supported"),
    ("https://www.flickr.com/photos/tags/cat/", "neither an NSID"),
    ("https://www.flickr.com/photos/bad'alias/123/", "neither an NSID"),
    ("https://www.flickr.com/photo.gne?id=12x", "not a number"),
    ("https://www.flickr.com/photo.gne", "without an id"),
    ("https://www.flickr.com/photos/x/99999999999999999999/", "not supported|out of range"),
    ("https://flic.kr/p/0OIl", "base58"),
    ("https://flic.kr/ps/abc", "short link"),
    ("https://live.staticflickr.com/4129/notaphoto.jpg", "file name"),
    ("https://live.staticflickr.com/a/b/c/5215831864_46f356962f.jpg", "unexpected path"),
    ("https://farm7.staticflickr.com/6116/6255196340_ZZ_z.jpg", "file name"),
])
def test_bad_urls_raise_with_reason(bad, reason):
    with pytest.raises(FlickrUrlError, match=reason):
        parse_flickr_url(bad)


def test_error_is_a_value_error():
    assert issubclass(FlickrUrlError, ValueError)


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


@pytest.mark.parametrize("text, owner, nsid", [
    ("39019111@N00", "39019111@N00", True),
    ("brokentaco", "brokentaco", False),
    ("https://www.flickr.com/people/brokentaco/", "brokentaco", False),
    ("https://www.flickr.com/photos/39019111@N00/6255196340/", "39019111@N00", True),
])
def test_owner_refs(text, owner, nsid):
    ref = parse_owner_ref(text)
    assert (ref.owner, ref.owner_is_nsid) == (owner, nsid)


@pytest.mark.parametrize("text", ["http://farm7.staticflickr.com/6116/6255196340_da26cf2c9e_z.jpg", "a b", "x%"])
def test_owner_refs_refused(text):
    with pytest.raises(FlickrUrlError):
        parse_owner_ref(text)


def test_nsids_are_matched_whatever_the_case_and_stored_with_a_capital_n():
    from pipelines.flickr_urls import normalise_nsid, parse_owner_ref

    assert normalise_nsid(" 12345678@n00 ") == "12345678@N00"
    assert normalise_nsid("someone") is None
    assert parse_owner_ref("12345678@n01").owner == "12345678@N01"
