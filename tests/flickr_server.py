"""A local Flickr REST stand-in on 127.0.0.1 for tests and benchmarks: replay + fault injection.

It is a real threaded HTTP/1.1 server (keep-alive, like api.flickr.com), not a mock of requests.
It answers `GET /services/rest/?method=...&api_key=...` from bodies you register: the recorded
real responses in shared/data/real/flickr-api/ (JSON files served byte for byte, XML files
converted to Flickr's JSON rendering by `xml_to_flickr_json`) or synthetic ones built with
`photo_body` / `person_body` / `fail_body`. Faults are scripted per call and per id:

    server.add_faults("flickr.photos.getInfo", "42", Reply(status=503), Reply(delay=3))

Every request is recorded (monotonic time, HTTP method, path, params) for call counts and rates.
A wrong api_key gets Flickr's real answer: HTTP 200, stat=fail, code 100.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
import time
import xml.etree.ElementTree as ET
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

REST_PATH = "/services/rest/"
# Which argument identifies the thing a method is about (used to script per-id answers).
KEY_ARG = {
    "flickr.photos.getInfo": "photo_id",
    "flickr.photos.licenses.getLicenseHistory": "photo_id",
    "flickr.people.getInfo": "user_id",
    "flickr.urls.lookupUser": "url",
}
NOT_FOUND = {
    "flickr.photos.getInfo": (1, "Photo not found"),
    "flickr.photos.licenses.getLicenseHistory": (1, "Photo not found"),
    "flickr.people.getInfo": (1, "User not found"),
    "flickr.urls.lookupUser": (1, "User not found"),
}


# --- bodies ----------------------------------------------------------------------------------


def fail_body(code: int, message: str) -> dict:
    return {"stat": "fail", "code": code, "message": message}


def photo_body(
    photo_id: int | str,
    license: Any = "4",
    owner: str = "12345678@N00",
    *,
    username: str = "someone",
    title: str = "a photo",
    ispublic: Any = 1,
    dateuploaded: Any = "1281906139",
    media: str = "photo",
) -> dict:
    """A getInfo body in the shape of the real 2012-2015 JSON recordings."""
    return {
        "photo": {
            "id": str(photo_id),
            "secret": "f2bdd1e68a",
            "server": "4079",
            "farm": 5,
            "dateuploaded": dateuploaded,
            "isfavorite": 0,
            "license": license,
            "safety_level": "0",
            "rotation": 0,
            "views": "70",
            "media": media,
            "owner": {
                "nsid": owner,
                "username": username,
                "realname": "",
                "location": "",
                "iconserver": "0",
                "iconfarm": 0,
                "path_alias": None,
            },
            "title": {"_content": title},
            "description": {"_content": ""},
            "visibility": {"ispublic": ispublic, "isfriend": 0, "isfamily": 0},
            "dates": {
                "posted": dateuploaded,
                "taken": "2010-07-16 20:47:02",
                "takengranularity": "0",
                "takenunknown": "0",
                "lastupdate": "1281907144",
            },
            "urls": {
                "url": [
                    {"type": "photopage", "_content": f"https://www.flickr.com/photos/{owner}/{photo_id}/"}
                ]
            },
        },
        "stat": "ok",
    }


def person_body(nsid: str, username: str = "someone", ispro: Any = 0, count: Any = 12) -> dict:
    return {
        "person": {
            "id": nsid,
            "nsid": nsid,
            "ispro": ispro,
            "iconserver": "0",
            "iconfarm": 0,
            "path_alias": None,
            "username": {"_content": username},
            "realname": {"_content": ""},
            "location": {"_content": ""},
            "photos": {"count": {"_content": count}},
        },
        "stat": "ok",
    }


def history_body(*changes: tuple[int, int, int | None]) -> dict:
    """A getLicenseHistory body: one entry per (epoch seconds, old license id, new license id),
    licenses named by name and URL as Flickr does; new None = the entry only states the
    original license (new_license empty, as in the recordings)."""
    from pipelines.licenses import LICENSES

    def named(license_id: int | None) -> tuple[str, str]:
        if license_id is None:
            return "", ""
        found = LICENSES[license_id]
        return found.name, found.url or ""

    entries = []
    for when, old, new in changes:
        (old_name, old_url), (new_name, new_url) = named(old), named(new)
        entries.append(
            {
                "date_change": str(when),
                "old_license": old_name,
                "old_license_url": old_url,
                "new_license": new_name,
                "new_license_url": new_url,
            }
        )
    return {"license_history": entries, "stat": "ok"}


def lookup_body(nsid: str, username: str = "someone") -> dict:
    """A urls.lookupUser body in the shape of the recording."""
    return {"user": {"id": nsid, "username": {"_content": username}}, "stat": "ok"}


# --- XML recordings -> Flickr JSON -----------------------------------------------------------

# Attributes the real JSON recordings carry as numbers (the rest are strings), per
# docs/flickr-api.md.
_NUMERIC_ATTRS = {
    "farm",
    "isfavorite",
    "rotation",
    "ispro",
    "iconfarm",
    "ispublic",
    "isfriend",
    "isfamily",
    "candownload",
    "canblog",
    "canprint",
    "canshare",
    "machine_tag",
    "haspeople",
    "cancomment",
    "canaddmeta",
    "iscontact",
}
_FLOAT_ATTRS = {"latitude", "longitude"}
_NUMERIC_TEXT = {"count"}
_LIST_CHILDREN = {"notes": "note", "tags": "tag", "urls": "url", "licenses": "license"}
_ALWAYS_LISTS = {"tag", "note", "url", "license", "license_history", "set", "pool", "eligible_durations"}


def _attr_value(name: str, value: str) -> Any:
    if name in _NUMERIC_ATTRS and value.lstrip("-").isdigit():
        return int(value)
    if name in _FLOAT_ATTRS:
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _element(elem: ET.Element) -> dict:
    out: dict[str, Any] = {k: _attr_value(k, v) for k, v in elem.attrib.items()}
    children = list(elem)
    if children:
        out.update(_children(children))
        if elem.tag in _LIST_CHILDREN:
            out.setdefault(_LIST_CHILDREN[elem.tag], [])
    elif elem.tag in _LIST_CHILDREN:
        out[_LIST_CHILDREN[elem.tag]] = []
    else:
        text = elem.text or ""
        if elem.tag in _NUMERIC_TEXT and text.strip().isdigit():
            out["_content"] = int(text)
        elif text or not elem.attrib:
            out["_content"] = text
    return out


def _children(children: list[ET.Element]) -> dict:
    grouped: dict[str, list] = {}
    for child in children:
        grouped.setdefault(child.tag, []).append(_element(child))
    return {
        tag: items if (len(items) > 1 or tag in _ALWAYS_LISTS) else items[0] for tag, items in grouped.items()
    }


def xml_to_flickr_json(xml_text: str | bytes) -> dict:
    """Render a `<rsp>` XML response as Flickr's format=json&nojsoncallback=1 does: elements →
    objects, attributes → members, text → "_content", repeated elements → arrays, stat beside."""
    root = ET.fromstring(xml_text)
    stat = root.attrib.get("stat", "fail")
    if stat == "fail":
        err = root.find("err")
        return fail_body(int(err.attrib["code"]), err.attrib.get("msg", ""))
    return {**_children(list(root)), "stat": "ok"}


def load_recording(path: Path) -> bytes:
    """The body to serve for a recorded response: JSON as recorded, XML converted to JSON."""
    if path.suffix == ".json":
        return path.read_bytes()
    return json.dumps(xml_to_flickr_json(path.read_bytes())).encode()


# --- the server ------------------------------------------------------------------------------


@dataclass
class Reply:
    """One scripted answer. action: None (normal), 'reset' (RST, no answer), 'truncate'
    (promise the whole body in Content-Length, send half, close) or 'dribble' (send the body a
    byte every `delay` seconds)."""

    status: int = 200
    body: Any = None  # dict (JSON-encoded), str/bytes (sent as is), None (the stored answer)
    headers: dict = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (slow server)
    action: str | None = None


@dataclass(frozen=True)
class RecordedRequest:
    time: float  # time.monotonic() when the request arrived
    http_method: str
    path: str
    params: dict

    @property
    def method(self) -> str | None:
        return self.params.get("method")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, keep-alive requests stall ~40 ms on
    # the client's delayed ACK, which would make every local call look like a network call.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args) -> None:  # request lines contain the api_key
        pass

    def do_GET(self) -> None:
        self._serve(dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True)))

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        params = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
        params.update(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
        self._serve(params)

    def _serve(self, params: dict) -> None:
        owner = self.server.owner
        owner._record(RecordedRequest(time.monotonic(), self.command, urlsplit(self.path).path, params))
        reply = owner._reply_for(params)
        if reply.delay and reply.action != "dribble":
            time.sleep(reply.delay)
        if reply.action == "reset":
            self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.request.close()
            return
        body = reply.body
        payload = (
            body
            if isinstance(body, bytes)
            else (body.encode() if isinstance(body, str) else json.dumps(body).encode())
        )
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.headers.pop("Content-Type", "application/json"))
            for name, value in reply.headers.items():
                self.send_header(name, str(value))
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if reply.action == "dribble":  # a byte at a time, each well within a read timeout
                for i in range(len(payload)):
                    self.wfile.write(payload[i : i + 1])
                    self.wfile.flush()
                    time.sleep(reply.delay or 0.05)
                return
            if reply.action == "truncate":
                self.wfile.write(payload[: len(payload) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.request.shutdown(socket.SHUT_RDWR)
                return
            self.wfile.write(payload)
        except OSError:  # the client gave up (read timeout) and closed the socket
            self.close_connection = True

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    owner: FlickrTestServer


class FlickrTestServer:
    """`with FlickrTestServer(api_key) as server:` → `server.url` is the REST endpoint."""

    def __init__(self, api_key: str = "test-key-0123456789abcdef"):
        self.api_key = api_key
        self.bodies: dict[tuple[str, str | None], Any] = {}
        self.faults: dict[tuple[str | None, str | None], deque[Reply]] = {}
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="flickr-test-server",
            daemon=True,
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{REST_PATH}"

    def start(self) -> FlickrTestServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- scripting --

    def set_body(self, method: str, key: str | int | None, body: Any) -> None:
        """Stored answer for `method` about `key` (photo id, NSID, URL), or for any call when None."""
        with self._lock:
            self.bodies[(method, None if key is None else str(key))] = body

    def add_photo(self, photo_id: int | str, body: Any) -> None:
        self.set_body("flickr.photos.getInfo", photo_id, body)

    def add_history(self, photo_id: int | str, body: Any) -> None:
        self.set_body("flickr.photos.licenses.getLicenseHistory", photo_id, body)

    def add_alias(self, alias: str, body: Any) -> None:
        """The lookupUser answer for flickr.com/photos/<alias>/ (the URL the client asks with)."""
        self.set_body("flickr.urls.lookupUser", f"https://www.flickr.com/photos/{alias}/", body)

    def add_person(self, nsid: str, body: Any) -> None:
        self.set_body("flickr.people.getInfo", nsid, body)

    def add_faults(self, method: str | None, key: str | int | None, *replies: Reply) -> None:
        """Queue replies served (one per request, in order) before the stored answer."""
        with self._lock:
            self.faults.setdefault((method, None if key is None else str(key)), deque()).extend(replies)

    # -- inspection --

    def calls(self, method: str | None = None, key: str | int | None = None) -> list[RecordedRequest]:
        with self._lock:
            found = list(self.requests)
        if method is not None:
            found = [r for r in found if r.method == method]
        if key is not None:
            found = [r for r in found if r.params.get(KEY_ARG.get(r.method or "", ""), None) == str(key)]
        return found

    # -- serving --

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _reply_for(self, params: dict) -> Reply:
        method = params.get("method", "")
        key = params.get(KEY_ARG.get(method, ""))
        with self._lock:
            for slot in ((method, key), (method, None), (None, None)):
                queue = self.faults.get(slot)
                if queue:
                    reply = queue.popleft()
                    if reply.body is None and reply.status == 200 and reply.action is None:
                        reply.body = self._stored(method, key, params)
                    return reply
            return Reply(body=self._stored(method, key, params))

    def _stored(self, method: str, key: str | None, params: dict) -> Any:
        if params.get("api_key") != self.api_key:
            return fail_body(100, "Invalid API Key (Key has invalid format)")
        if params.get("format") != "json" or params.get("nojsoncallback") != "1":
            return fail_body(111, 'Format "rest" not found')  # we only speak JSON
        for slot in ((method, key), (method, None)):
            if slot in self.bodies:
                return self.bodies[slot]
        code, message = NOT_FOUND.get(method, (112, f'Method "{method}" not found'))
        return fail_body(code, message)
