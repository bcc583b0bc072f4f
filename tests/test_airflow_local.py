"""Airflow on one machine, as docs/airflow.md says it: the steps work as written and a good run is quiet.

The first test runs the shell lines of "On one machine" (all but `pip install` and `airflow
standalone`) with a real `airflow` in a new folder and expects the four DAGs in `airflow dags list`.
The second runs the two ingest DAGs with `dag.test()` and expects no error-level log line from a run
whose every task succeeded (Airflow logged "XCom not found … offset=1" when a task read its mapped
inputs with list()).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.airflow_support import DAGS, migrate, run_dags
from tests.conftest import REPO

pytest.importorskip("airflow", reason="needs apache-airflow (pip install '.[airflow]')")
pytestmark = pytest.mark.airflow

DAG_IDS = [
    "ccaudit_enrich_flickr",
    "ccaudit_ingest_manifests",
    "ccaudit_ingest_yfcc",
    "ccaudit_validate_and_report",
]
ERROR_LINE = re.compile(r"\[(error|critical)\s*\]|^ERROR\b|XCom not found", re.IGNORECASE)


def one_machine_steps() -> list[str]:
    """The command lines of the first code block under "On one machine" in docs/airflow.md."""
    text = (REPO / "docs" / "airflow.md").read_text(encoding="utf-8")
    section = text[text.index("## On one machine") :]
    block = section[section.index("```\n") + 4 :]
    block = block[: block.index("```")]
    return [line for line in block.splitlines() if line.strip()]


def test_the_steps_name_what_they_need():
    steps = one_machine_steps()
    assert steps[0].startswith("pip install") and steps[-1].startswith("airflow standalone")
    assert any("PYTHONPATH=$PWD/dags" in line for line in steps)
    assert "airflow dags list" in steps


@pytest.mark.slow
def test_dags_list_shows_the_four_dags_after_the_documented_steps(tmp_path):
    (tmp_path / "dags").symlink_to(DAGS)  # the steps use $PWD/dags: run them in a folder that has one
    steps = [
        line for line in one_machine_steps() if not line.startswith(("pip install", "airflow standalone"))
    ]
    script = "set -euo pipefail\n" + "\n".join(steps) + "\n"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "CCAUDIT_"))}
    # this checkout's pipelines, as `pip install .` would provide; `airflow` from this interpreter's environment
    env.update(PYTHONPATH=str(REPO), PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}")
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    listed = sorted(set(re.findall(r"^(ccaudit_\w+)\s*\|", done.stdout, re.MULTILINE)))
    assert listed == DAG_IDS, done.stdout[-3000:]
    assert (tmp_path / "airflow-home" / "airflow.db").exists(), "the steps must use their own AIRFLOW_HOME"


@pytest.mark.slow
def test_successful_ingest_runs_log_no_error_line(tmp_path):
    from pipelines.synth.yfcc import generate_yfcc

    env = migrate(tmp_path / "home")
    shards = [generate_yfcc(tmp_path / f"yfcc-{i}.tsv", rows=200, seed=i).path for i in range(2)]
    manifest = tmp_path / "clip.tsv"
    manifest.write_text("0\t1\tx\n1\t2\ty\n", encoding="utf-8")
    db = str(tmp_path / "ccaudit.duckdb")
    outcomes = run_dags(
        env,
        [
            ("ccaudit_ingest_yfcc", {"paths": [str(p) for p in shards], "db": db}),
            (
                "ccaudit_ingest_manifests",
                {
                    "db": db,
                    "manifests": [
                        {
                            "format": "clip-subset",
                            "dataset": "clip",
                            "version": "v1",
                            "paths": [str(manifest)],
                        }
                    ],
                },
            ),
        ],
    )
    for outcome in outcomes:
        assert outcome.state == "success", outcome.stderr[-3000:]
        assert all(set(states) == {"success"} for states in outcome.tasks.values()), outcome.tasks
    assert len(outcomes[0].tasks["stage"]) == 2, "two mapped stage tasks: the load reads a sequence of two"
    logs = outcomes[0].stdout + outcomes[0].stderr
    errors = [line for line in logs.splitlines() if ERROR_LINE.search(line)]
    assert not errors, "\n".join(errors[:10])
