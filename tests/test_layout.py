"""The package stays readable: no module over 600 lines (split along its seams instead)."""

from __future__ import annotations

from tests.conftest import REPO

MAX_LINES = 600


def test_no_module_in_the_package_is_over_600_lines():
    sizes = {
        path.relative_to(REPO).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in (REPO / "pipelines").rglob("*.py")
    }
    assert sizes, "no modules found: the test would prove nothing"
    over = {name: lines for name, lines in sizes.items() if lines > MAX_LINES}
    assert not over, f"modules over {MAX_LINES} lines: {over}"
