"""Sealing what an account's answer lists (its photo ids, upload dates, opt-out dates) in search.html's index.

The index must not be readable as a list of who is in the datasets, yet an account's answer has to
list its photos (a removal route asks for their links). So each account's list is enciphered with a
key only someone who already knows the account can derive: SHA-256(salt || "k:" || account key),
where the account key is what the page hashes to find the record ("u:" + NSID, or the alias). A
name's record carries the keys of its accounts, enciphered under the name's own key the same way.

The cipher is SHA-256 in counter mode over a 64-character alphabet (no growth in size, JSON-safe):
keystream byte i of part p is byte (i mod 32) of SHA-256(key || p || i div 32) (p and the block
number as 4-byte big-endian), and each character's alphabet index is XORed with the low 6 bits of
its keystream byte. The page's JavaScript (templates/search_cipher.js) does the same; a Node test
and the browser test compare both. It hides the lists from whoever reads the files without the
identifier; like every entry of the index, it cannot stop someone who guesses the identifier.
"""

from __future__ import annotations

import hashlib

ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"
CIPHER = "sha256-ctr-a64/1"
KEY_BYTES = 16
_TO_INDEX = bytes.maketrans(ALPHABET.encode(), bytes(range(64)))
_FROM_INDEX = bytes.maketrans(bytes(range(64)), ALPHABET.encode())
_LOW6 = bytes(b & 63 for b in range(256))


def derive_key(salt: str, key: str) -> bytes:
    """The key of an index entry: its lookup key ("u:…" or "n:…") under the page's salt."""
    return hashlib.sha256((salt + "k:" + key).encode("utf-8")).digest()[:KEY_BYTES]


def _keystream(key: bytes, part: int, length: int) -> bytes:
    prefix = key + part.to_bytes(4, "big")
    blocks = (length + 31) // 32
    return b"".join(hashlib.sha256(prefix + n.to_bytes(4, "big")).digest() for n in range(blocks))[:length]


def seal(key: bytes, part: int, text: str) -> str:
    """Encipher `text` (characters of ALPHABET only) as part `part` of the entry keyed by `key`."""
    if not text:
        return ""
    plain = text.encode("ascii").translate(_TO_INDEX)
    if plain.translate(None, bytes(range(64))):
        raise ValueError("seal() enciphers only characters of ALPHABET")
    stream = _keystream(key, part, len(plain)).translate(_LOW6)
    mixed = int.from_bytes(plain, "big") ^ int.from_bytes(stream, "big")  # XOR of every character at once
    return mixed.to_bytes(len(plain), "big").translate(_FROM_INDEX).decode("ascii")


def unseal(key: bytes, part: int, text: str) -> str:
    """The inverse of seal (XOR is its own inverse); used by tests and by anyone checking the index."""
    return seal(key, part, text)
