"""The Flickr stand-in for `bench.scale`'s enrich stage: tests/flickr_server.py replaying recorded answers.

Every photo, uploader and license history is answered from the real recordings in
shared/data/real/flickr-api/ (JSON byte for byte, XML rendered as Flickr's JSON), one recording
per id chosen by a stable hash of the id, so the mix holds found, deleted and private photos,
changed and unchanged license histories, pro, non-pro and deleted accounts. Without the
recordings (a checkout without shared/) it falls back to the server's synthetic bodies.
"""

from __future__ import annotations

import zlib
from pathlib import Path

from tests.flickr_server import FlickrTestServer, load_recording, person_body, photo_body

RECORDINGS = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "real" / "flickr-api"
API_KEY = "bench-scale-key-not-a-real-one"
# method -> recordings it answers with (prefix of the file names in RECORDINGS)
METHODS = {
    "flickr.photos.getInfo": "photos.getInfo__",
    "flickr.people.getInfo": "people.getInfo__",
    "flickr.photos.licenses.getLicenseHistory": "photos.licenses.getLicenseHistory__",
    "flickr.urls.lookupUser": "urls.lookupUser__",
}


class ReplayServer(FlickrTestServer):
    """Answers each id with one of the method's recordings, the same one every time."""

    def __init__(self, recordings: Path = RECORDINGS):
        super().__init__(api_key=API_KEY)
        self.replies: dict[str, list[bytes]] = {}
        for method, prefix in METHODS.items():
            files = sorted(recordings.glob(prefix + "*")) if recordings.is_dir() else []
            self.replies[method] = [load_recording(f) for f in files if "_video" not in f.name]
        self.source = "recordings" if self.replies["flickr.photos.getInfo"] else "synthetic bodies"
        if not self.replies["flickr.photos.getInfo"]:
            self.set_body("flickr.photos.getInfo", None, photo_body(1, license="4"))
            self.set_body("flickr.people.getInfo", None, person_body("12345678@N00"))

    def _stored(self, method: str, key: str | None, params: dict):
        answers = self.replies.get(method)
        if not answers or params.get("api_key") != self.api_key:
            return super()._stored(method, key, params)
        return answers[zlib.crc32((key or "").encode()) % len(answers)]
