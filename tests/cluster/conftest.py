"""The cluster tests start PostgreSQL, Redis and six Airflow processes: they run only when asked
for with `-m cluster` (`make test-cluster`); a plain `pytest` (`make test`) deselects them."""

from __future__ import annotations


def pytest_collection_modifyitems(config, items):
    if "cluster" in (config.getoption("markexpr") or ""):
        return
    selected = [item for item in items if item.get_closest_marker("cluster") is None]
    if len(selected) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if item.get_closest_marker("cluster")])
        items[:] = selected
