"""The page's JavaScript, without a browser: Node runs tests/js/*.test.js (the link parser on the
cases in tests/data/flickr_links.json, the cipher on vectors Python computes here). The page as a
whole is tested in Chromium (test_search_page.py)."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from pipelines.publish.search_cipher import ALPHABET, derive_key, seal

NODE = shutil.which("node")
JS_TESTS = Path(__file__).with_name("js")
pytestmark = pytest.mark.skipif(
    NODE is None,
    reason="node is not installed (apt-get install nodejs); the page's "
    "JavaScript is then tested only in Chromium",
)


def _vectors(path: Path) -> None:
    rng = random.Random(7)
    texts = ["", "abc", "é ß 中文 🙂", "x" * 55, "y" * 56, "z" * 64, "w" * 119, "u:12345678@N00"]
    texts += [
        "".join(chr(rng.randrange(32, 0x3000)) for _ in range(rng.randrange(1, 200))) for _ in range(20)
    ]
    sealed = []
    for n in range(40):
        salt, key = format(rng.getrandbits(64), "x"), f"u:{rng.randrange(10**8)}@N0{n % 10}"
        plain = "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 300)))
        part = rng.randrange(0, 5)
        sealed.append([salt, key, part, plain, seal(derive_key(salt, key), part, plain)])
    path.write_text(
        json.dumps(
            {"digests": [[t, hashlib.sha256(t.encode()).hexdigest()] for t in texts], "sealed": sealed}
        ),
        encoding="utf-8",
    )


def test_node_runs_the_page_javascript_tests(tmp_path):
    vectors = tmp_path / "vectors.json"
    _vectors(vectors)
    run = subprocess.run(
        [NODE, "--test", *sorted(str(p) for p in JS_TESTS.glob("*.test.js"))],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "CCAUDIT_CIPHER_VECTORS": str(vectors)},
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "# fail 0" in run.stdout and "# skipped 0" in run.stdout
    assert "# pass 6" in run.stdout  # 5 parser tests + 1 cipher test: none left out
