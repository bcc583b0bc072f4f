"""The Flickr link parser on every form of photo, video and account link, in every spelling a
person or a manifest may hold; unsupported kinds and unreadable links fail with the reason.

Real examples come from the research notes (flickr-url-parser's documented cases, YFCC100M rows,
Wikimedia Commons source fields); each is multiplied over host spellings, schemes, case and the
punctuation pasted text puts around a link.
"""

import pytest

from pipelines.flickr.urls import (
    BASE58_ALPHABET,
    FlickrRef,
    FlickrUrlError,
    NeedsFlickrApi,
    UnsupportedFlickrLink,
    decode_base58,
    encode_base58,
    extract_flickr_refs,
    looks_like_link,
    parse_file_name,
    parse_flickr_url,
    parse_owner_ref,
    parse_photo_ref,
    read_text,
)


def _b58(number: int) -> str:
    """Independent reference encoder for the tests (string building, not divmod on the result)."""
    out = ""
    while number:
        out = BASE58_ALPHABET[number % 58] + out
        number //= 58
    return out or BASE58_ALPHABET[0]


def _b58_decode(code: str) -> int:
    return sum(BASE58_ALPHABET.index(ch) * 58 ** i for i, ch in enumerate(reversed(code)))


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
    # every era and kind of file and page
    ("https://www.flickr.com/photos/coast_guard/32812033543/", 32812033543, "coast_guard", False, "page"),
    ("http://flickr.com/photo/17277074@N00/2619974961", 2619974961, "17277074@N00", True, "page"),
    ("https://www.flickr.com/photo/coast_guard/32812033543/", 32812033543, "coast_guard", False, "page"),
    ("https://www.flickr.com/photo_zoom.gne?id=196155401&size=m", 196155401, None, False, "gne"),
    ("https://www.flickr.com/photo_exif.gne?id=1427904898", 1427904898, None, False, "gne"),
    ("https://www.flickr.com/photo_edit.gne?id=1427904898", 1427904898, None, False, "gne"),
    ("http://www.flickr.com/photo_sizes.gne?id=1427904898&size=o", 1427904898, None, False, "gne"),
    ("https://www.flickr.com/video_download.gne?id=52868534222", 52868534222, None, False, "gne"),
    ("https://www.flickr.com/video.gne?id=52868534222", 52868534222, None, False, "gne"),
    ("www.flickr.com/photo.gne?id=105", 105, None, False, "gne"),
    ("https://www.flickr.com/photo.gne?short=2ouuqFT", _b58_decode("2ouuqFT"), None, False, "gne"),
    ("https://live.staticflickr.com/65535/53381630964_63d765ee92_s.jpg", 53381630964, None, False, "static"),
    ("http://static.flickr.com/63/155697786_0125559b4e.jpg", 155697786, None, False, "static"),
    ("http://farm1.static.flickr.com/82/241708183_dd0847d5c7_o.jpg", 241708183, None, False, "static"),
    ("https://farm5.staticflickr.com/4586/37767087695_bb4ecff5f4_o.jpg", 37767087695, None, False, "static"),
    ("https://farm66.staticflickr.com/65535/49934617896_0d9e3fe7b5_k.jpg", 49934617896, None, False, "static"),
    ("https://photos12.flickr.com/16159487_3a6615a565_b.jpg", 16159487, None, False, "static"),
    ("http://photos4.flickr.com/3588949_0123abcdef_o.jpg", 3588949, None, False, "static"),
    ("https://c8.staticflickr.com/6/5159/14288803431_7cf094b085_b.jpg", 14288803431, None, False, "static"),
    ("https://live.staticflickr.com/2903/32812033543_c1b3784192_w_d.jpg", 32812033543, None, False, "static"),
    ("https://live.staticflickr.com/2903/32812033543_c1b3784192_o_d.jpg", 32812033543, None, False, "static"),
    ("https://live.staticflickr.com/2903/32812033543_c1b3784192_b_d.jpg", 32812033543, None, False, "static"),
    ("https://live.staticflickr.com/2903/32812033543_c1b3784192_d.jpg", 32812033543, None, False, "static"),
    ("https://live.staticflickr.com/2903/32812033543_c1b3784192_o.JPG", 32812033543, None, False, "static"),
    ("https://live.staticflickr.com/2903/32812033543_c1b3784192_o.gif?zz=1", 32812033543, None, False, "static"),
    ("http://farm7.staticflickr.com/6097/6325727670_5192fe3be9.jpg", 6325727670, None, False, "static"),
    ("http://www.flickr.com/photos/61048402@N08/6325727670/", 6325727670, "61048402@N08", True, "page"),
    ("https://live.staticflickr.com/video/52868534222/346a41e5a9/1080p.mp4", 52868534222, None, False, "video"),
    ("https://live.staticflickr.com/video/52868534222/346a41e5a9/orig.mp4?s=eyJpIjo", 52868534222, None, False,
     "video"),
    ("https://live.staticflickr.com/video/52868534222/346a41e5a9/360p.mp4", 52868534222, None, False, "video"),
    ("https://farm9.staticflickr.com/8504/8130464513_e1b7ab4f20_o.mp4", 8130464513, None, False, "video"),
    ("https://www.flickr.com/photos/someone/52868534222/play/orig/346a41e5a9/", 52868534222, "someone", False,
     "page"),
    ("https://www.flickr.com/photos/someone/52868534222/play/hd/346a41e5a9/", 52868534222, "someone", False,
     "page"),
    ("https://secure.flickr.com/photos/brokentaco/5215831864/", 5215831864, "brokentaco", False, "page"),
    ("https://www.flickr.com/photos/brokentaco//5215831864", 5215831864, "brokentaco", False, "page"),
    ("https://www.flickr.com/photos/39019111%40N00/6255196340/", 6255196340, "39019111@N00", True, "page"),
    ("https://www.flickr.com/photos/39019111@n00/6255196340/", 6255196340, "39019111@N00", True, "page"),
    ("https://m.flickr.com/#/photos/brokentaco/5215831864/", 5215831864, "brokentaco", False, "page"),
    ("https://www.flickr.com/photos/brokentaco/5215831864/meta/", 5215831864, "brokentaco", False, "page"),
    ("//www.flickr.com/photos/brokentaco/5215831864/", 5215831864, "brokentaco", False, "page"),
    ("FLICKR.COM/photos/brokentaco/5215831864", 5215831864, "brokentaco", False, "page"),
    ("live.staticflickr.com/2903/32812033543_c1b3784192_w_d.jpg", 32812033543, None, False, "static"),
    ("flic.kr/p/2ouuqFT", _b58_decode("2ouuqFT"), None, False, "short"),
    ("https://www.flickr.com:443/photos/brokentaco/5215831864", 5215831864, "brokentaco", False, "page"),
    ("https://www.flickr.com./photos/brokentaco/5215831864", 5215831864, "brokentaco", False, "page"),
    ("https://farm2.staticflickr.com/1/2_3.jpg", 2, None, False, "static"),
    ("https://live.staticflickr.com/2/5000001_abcdef_b.jpg", 5000001, None, False, "static"),
    ("https://embedr.flickr.com/photos/52868534222", 52868534222, None, False, "page"),
    ("http://www.flickr.com/apps/video/stewart.swf?v=71377&photo_id=3390931086", 3390931086, None, False, "video"),
    ("https://www.flickr.com/photos/someone/3390931086/in/pool-somegroup/", 3390931086, "someone", False, "page"),
    ("https://www.flickr.com/photos/someone/3390931086/in/dateposted/", 3390931086, "someone", False, "page"),
    ("https://www.flickr.com/photos/someone/3390931086/player/", 3390931086, "someone", False, "page"),
]


@pytest.mark.parametrize("url, photo_id, owner, owner_is_nsid, form", PHOTOS)
def test_photo_urls(url, photo_id, owner, owner_is_nsid, form):
    assert parse_flickr_url(url) == FlickrRef("photo", photo_id, owner, owner_is_nsid, form)
    assert parse_photo_ref(url).photo_id == photo_id


def _spellings(url: str) -> list[str]:
    """The same link as people write it: scheme or not, http/https, host case, pasted in prose."""
    scheme, rest = url.split("://", 1)
    host, _, path = rest.partition("/")
    out = {url, rest, f"http://{rest}", f"https://{rest}", f"{scheme}://{host.upper()}/{path}",
           f"{url}.", f"{url},", f"({url})", f"<{url}>", f'"{url}"', f"{url}!", f"{url});", f"'{url}'"}
    return sorted(out)


SPELLED = [(spelled, photo_id) for url, photo_id, *_ in PHOTOS[21:] if "://" in url and not url.startswith("//")
           for spelled in _spellings(url.strip())]


@pytest.mark.parametrize("url, photo_id", SPELLED)
def test_every_spelling_of_a_photo_link(url, photo_id):
    assert parse_flickr_url(url).photo_id == photo_id


@pytest.mark.parametrize("url, photo_id", SPELLED[::3])
def test_a_link_inside_a_sentence(url, photo_id):
    text = f"Hi, my photo is here: {url} — please remove it!"
    refs = extract_flickr_refs(text)
    assert [r.photo_id for r in refs] == [photo_id]


@pytest.mark.parametrize("host", ["www.flickr.com", "flickr.com", "m.flickr.com", "secure.flickr.com",
                                  "WWW.Flickr.COM"])
@pytest.mark.parametrize("scheme", ["https://", "http://", ""])
@pytest.mark.parametrize("owner, nsid", [("39019111@N00", True), ("coast_guard", False), ("Henri-Light", False)])
def test_photo_pages_on_every_page_host(host, scheme, owner, nsid):
    for tail in ("", "/", "/in/photostream/", "/sizes/o/", "/in/album-72157607317745768/", "/in/faves-1234@N00/"):
        ref = parse_flickr_url(f"{scheme}{host}/photos/{owner}/32812033543{tail}")
        assert (ref.kind, ref.photo_id, ref.owner, ref.owner_is_nsid) == ("photo", 32812033543, owner, nsid)


@pytest.mark.parametrize("host", ["live.staticflickr.com", "farm1.staticflickr.com", "farm66.staticflickr.com",
                                  "farm3.static.flickr.com", "static.flickr.com", "LIVE.STATICFLICKR.COM"])
@pytest.mark.parametrize("suffix", ["", "_s", "_q", "_t", "_m", "_n", "_w", "_z", "_c", "_b", "_h", "_k", "_3k",
                                    "_4k", "_5k", "_6k", "_o", "_o_d", "_b_d", "_k_d", "_d"])
def test_every_size_and_download_suffix_on_every_file_host(host, suffix):
    assert parse_flickr_url(f"https://{host}/2903/32812033543_c1b3784192{suffix}.jpg").photo_id == 32812033543


@pytest.mark.parametrize("name, photo_id", [
    ("32812033543_c1b3784192_o_d.jpg", 32812033543),
    ("32812033543_c1b3784192_b_d.jpg", 32812033543),
    ("32812033543_c1b3784192_o.png", 32812033543),
    ("32812033543_c1b3784192.jpg", 32812033543),
    ("52868534222_346a41e5a9_o.mp4", 52868534222),
    ("'32812033543_c1b3784192_k_d.jpeg'.", 32812033543),
])
def test_download_button_file_names(name, photo_id):
    assert parse_file_name(name) == FlickrRef("photo", photo_id, None, False, "file")
    assert parse_flickr_url(name).photo_id == photo_id
    assert [r.photo_id for r in extract_flickr_refs(f"I found {name} in a dataset")] == [photo_id]


@pytest.mark.parametrize("name", ["holiday.jpg", "2009_01.jpg", "IMG_1234.JPG", "32812033543_c1b3.jpg",
                                  "32812033543_c1b3784192_o_d.exe"])
def test_other_file_names_are_errors_not_names(name):
    if name.endswith(".exe"):
        assert not looks_like_link(name)
        return
    assert looks_like_link(name)
    with pytest.raises(FlickrUrlError, match="not a Flickr file name"):
        parse_flickr_url(name)


USERS = [
    ("https://www.flickr.com/photos/39019111@N00/", "39019111@N00", True),
    ("https://www.flickr.com/photos/brokentaco", "brokentaco", False),
    ("https://www.flickr.com/people/brokentaco/", "brokentaco", False),
    ("https://www.flickr.com/people/118815643@N04/", "118815643@N04", True),
    ("https://www.flickr.com/photos/brokentaco/page3", "brokentaco", False),
    ("https://www.flickr.com/photos/blueminds/albums", "blueminds", False),
    ("https://www.flickr.com/photos/blueminds/albums/", "blueminds", False),
    ("https://www.flickr.com/photos/blueminds/albums/page2", "blueminds", False),
    ("https://www.flickr.com/photos/blueminds/sets/", "blueminds", False),
    ("https://www.flickr.com/photos/blueminds/favorites", "blueminds", False),
    ("https://www.flickr.com/photos/blueminds/favorites/page4/", "blueminds", False),
    ("https://www.flickr.com/photos/blueminds/galleries/", "blueminds", False),
    ("https://www.flickr.com/photos/blueminds/map", "blueminds", False),
    ("https://www.flickr.com/photos/blueminds/?saved=1", "blueminds", False),
    ("https://www.flickr.com/people/blueminds/page3", "blueminds", False),
    ("https://www.flickr.com/people/blueminds/contacts/", "blueminds", False),
    ("flickr.com/photos/henri_light/", "henri_light", False),
    ("https://m.flickr.com/photos/henri_light", "henri_light", False),
    ("https://secure.flickr.com/people/12345678@n01", "12345678@N01", True),
    ("HTTP://WWW.FLICKR.COM/PHOTOS/Henri_Light", "Henri_Light", False),
    ("https://www.flickr.com/photos/henri_light/tags/", "henri_light", False),
    ("https://www.flickr.com/photos/henri_light/archives/date-taken/2010/", "henri_light", False),
    ("https://embedr.flickr.com/photostreams/65541944@N07", "65541944@N07", True),
    ("https://www.flickr.com/photos/henri_light/with/3390931086/", "henri_light", False),
]


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


UNSUPPORTED = [
    ("https://www.flickr.com/photos/cat_tac/albums/72157666833379009", "album"),
    ("https://www.flickr.com/photos/cat_tac/sets/72157666833379009/", "album"),
    ("https://www.flickr.com/photos/andygocher/albums/72157648252420622/page3", "album"),
    ("https://www.flickr.com/photos/x/albums/721576", "album"),
    ("http://flic.kr/s/aHsjybZ5ZD", "album"),
    ("https://www.flickr.com/photos/flickr/galleries/72157722096057728/", "gallery"),
    ("https://flic.kr/y/2Xry4Jt", "gallery"),
    ("https://www.flickr.com/photos/x/collections/72157600000000000/", "collection"),
    ("https://www.flickr.com/groups/slovenia/pool", "group"),
    ("https://www.flickr.com/groups/slovenia", "group"),
    ("https://www.flickr.com/groups/51035612836@N01/discuss/72157616713786392/", "group"),
    ("https://flic.kr/g/abc", "group"),
    ("https://www.flickr.com/photos/tags/tennis/", "tag"),
    ("https://www.flickr.com/photos/tags/cat/", "tag"),
    ("https://www.flickr.com/tags/tennis", "tag"),
    ("https://www.flickr.com/photos/coast_guard/tags/helicopter/", "tag"),
    ("https://www.flickr.com/search/?text=cats", "search"),
    ("https://www.flickr.com/explore", "explore"),
    ("https://www.flickr.com/photos/friends/", "friends' photos"),
    ("https://www.flickr.com/photos/me/", "'me' (whoever is logged in)"),
    ("https://www.flickr.com/galleries/", "gallery"),
    ("https://www.flickr.com/commons", "Commons"),
    ("https://www.flickr.com/photos/organize/", "organizer"),
]


@pytest.mark.parametrize("url, kind", UNSUPPORTED)
def test_unsupported_kinds_are_named(url, kind):
    with pytest.raises(UnsupportedFlickrLink) as caught:
        parse_flickr_url(url)
    assert caught.value.kind == kind
    assert f"a Flickr {kind} link" in str(caught.value)


@pytest.mark.parametrize("url", [
    "https://www.flickr.com/gp/realphotomatt/M195SLkj98",
    "https://www.flickr.com/gp/199246608@N02/nSN80jZ64E",
    "https://flic.kr/ps/ZVcni",
    "flic.kr/ps/ZVcni",
    "https://www.flickr.com/short_urls.gne?photostream=ZVcni",
])
def test_links_only_flickr_can_resolve(url):
    with pytest.raises(NeedsFlickrApi, match="needs the Flickr API"):
        parse_flickr_url(url)


BAD = [
    ("", "empty"),
    ("not a url", "spaces"),
    ("notaurl", "not a Flickr"),
    ("https://example.com/photos/x/123/", "not a Flickr"),
    ("example.com/photos/x/123/", "not a Flickr"),
    ("https://commons.wikimedia.org/wiki/File:Gnome.jpg", "not a Flickr"),
    ("https://www.flickr.com.evil.com/photos/x/1/", "not a Flickr"),
    ("https://flickr.com@evil.com/photos/x/1/", "not a Flickr"),
    ("https://notflickr.com/photos/x/1/", "not a Flickr"),
    ("https://staticflickr.com.evil.net/1/2_abcdef1234.jpg", "not a Flickr"),
    ("ftp://www.flickr.com/photos/x/123/", "http"),
    ("javascript:alert(1)", "not a Flickr"),
    ("https:/www.flickr.com/photos/x/123/", "malformed"),
    ("https://www.flickr.com/", "home page"),
    ("https://www.flickr.com/photos/bad'alias/123/", "neither an NSID"),
    ("https://www.flickr.com/photo.gne?id=12x", "not a number"),
    ("https://www.flickr.com/photo.gne", "without a photo id"),
    ("https://www.flickr.com/photo_zoom.gne?size=m", "without a photo id"),
    ("https://www.flickr.com/photos/x/99999999999999999999/", "out of range|neither|not read|album"),
    ("https://flic.kr/p/0OIl", "base58"),
    ("https://flic.kr/p/", "short link"),
    ("https://flic.kr/", "short link"),
    ("https://www.flickr.com/photo.gne?short=0OIl", "base58"),
    ("https://live.staticflickr.com/4129/notaphoto.jpg", "file name"),
    ("https://live.staticflickr.com/a/b/c/5215831864_46f356962f.jpg", "unexpected path"),
    ("https://farm7.staticflickr.com/6116/6255196340_ZZ_z.jpg", "file name"),
    ("https://farm4.static.flickr.com/3/buddyicons/12345678@N00.jpg", "unexpected path"),
    ("https://live.staticflickr.com/video/abc/346a41e5a9/1080p.mp4", "not a number"),
    ("https://api.flickr.com/services/rest/?method=flickr.photos.getInfo", "serves no photo"),
    ("https://www.flickr.com/photos/x%ff/1/", "percent-encoding|neither"),
    ("https://www.flickr.com/people/x/123/", "not a photo page"),
    ("https://www.flickr.com/help/forum/", "help"),
    ("https://www.flickr.com/photos/", "not read"),
    ("https://www.flickr.com/photos/x/0/", "out of range"),
    ("https://www.flickr.com:99999/photos/x/1", "malformed"),
    ("https://embedr.flickr.com/other/1", "embed"),
    ("http://www.flickr.com/apps/video/stewart.swf?v=71377", "without a photo_id"),
]


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
    from pipelines.flickr.urls import normalise_nsid

    assert normalise_nsid(" 12345678@n00 ") == "12345678@N00"
    assert normalise_nsid("someone") is None
    assert parse_owner_ref("12345678@n01").owner == "12345678@N01"


# --- free text ----------------------------------------------------------------------------------

def test_a_pasted_paragraph_gives_every_reference_in_order():
    text = ("Source: https://www.flickr.com/photos/coast_guard/32812033543/ (CC BY 2.0), also flic.kr/p/2ouuqFT, "
            "the file live.staticflickr.com/2903/32812033543_c1b3784192_w_d.jpg; uploader 12345678@N00 "
            "(www.flickr.com/people/henri_light/), photo 5215831864. In 2009 I took 3 photos.")
    refs = extract_flickr_refs(text)
    assert [(r.kind, r.photo_id, r.owner) for r in refs] == [
        ("photo", 32812033543, "coast_guard"), ("photo", _b58_decode("2ouuqFT"), None),
        ("photo", 32812033543, None), ("user", None, "12345678@N00"), ("user", None, "henri_light"),
        ("photo", 5215831864, None)]


def test_bad_links_in_text_raise_or_are_skipped():
    text = "good https://flic.kr/p/2ouuqFT bad https://www.flickr.com/groups/x/ other https://example.com/a"
    with pytest.raises(UnsupportedFlickrLink):
        extract_flickr_refs(text)
    assert [r.form for r in extract_flickr_refs(text, errors="skip")] == ["short"]
    read = read_text(text)
    assert [bool(r.error) for r in read] == [False, True, True]


@pytest.mark.parametrize("text, name", [
    ("henri_light", "henri_light"),
    ("Henri Bergius", "Henri Bergius"),
    ("  zoë.the wanderer42 ", "zoë.the wanderer42"),
    ("henri.light", "henri.light"),
    ("John 1984", "John 1984"),
    ("anna+photo", "anna+photo"),
])
def test_text_without_references_is_one_name(text, name):
    assert [(r.name, r.ref, r.error) for r in read_text(text)] == [(name, None, None)]


@pytest.mark.parametrize("text", [
    "live.staticflickr.com/2903/32812033543_c1b3784192_w_d.jpg",
    "https://www.flickr.com/photos/henri_light/",
    "12345678@N00", "5215831864", "105",
])
def test_references_are_never_names(text):
    [item] = read_text(text)
    assert item.ref is not None and item.name is None


@pytest.mark.parametrize("text", [
    "example.com", "www.example.org", "flickr.com", "https://www.flickr.com/groups/x/", "holiday.jpg",
    "user@example.com", "http:www.flickr.com/photos/x/1", "flic.kr/ps/ZVcni", "evil.com/photos/x/1/",
])
def test_link_like_input_that_does_not_parse_is_an_error_not_a_name(text):
    [item] = read_text(text)
    assert item.error and item.name is None and item.ref is None


def test_empty_and_control_characters():
    assert read_text("") == [] and read_text("  \n ") == []
    assert read_text("\ufeff12345678@N00")[0].ref.owner == "12345678@N00"
    [item] = read_text("bad\x1bname")
    assert item.error and "control" in item.error


@pytest.mark.parametrize("text, photo_id", [
    ("<a href='https://www.flickr.com/photos/coast_guard/32812033543/'>source</a>", 32812033543),
    ('<a href="https://flic.kr/p/2ouuqFT">flickr</a>', _b58_decode("2ouuqFT")),
    ("source=flickr.com/photos/coast_guard/32812033543", 32812033543),
    ("[[File:X.jpg|source:https://live.staticflickr.com/65535/53381630964_63d765ee92_o.jpg]]", 53381630964),
    ("{{Flickr|url=www.flickr.com/photos/coast_guard/32812033543}}", 32812033543),
])
def test_links_glued_to_markup_are_found(text, photo_id):
    assert [r.photo_id for r in extract_flickr_refs(text)] == [photo_id]


@pytest.mark.parametrize("text", ["href='flickr.com'", "my flickr.com page", "see flic.kr", "a://b"])
def test_text_that_mentions_flickr_but_holds_no_readable_link_is_an_error(text):
    [item] = read_text(text)
    assert item.error and item.name is None
