"""The documentation and the lists generated from the code: one home each, the rest generated and fresh.

scripts/gen_docs.py writes docs/cli.md, the manifest DAG's FORMATS and the datasets.format COMMENT
from the parser, config.ENVIRONMENT and the format declarations; `--check` fails when any is stale.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib

import pytest

from pipelines import __version__
from pipelines.cli import build_parser, main
from pipelines.config import ENVIRONMENT
from pipelines.ingest.manifests import formats
from tests.conftest import REPO

GEN_DOCS = REPO / "scripts" / "gen_docs.py"


def _gen_docs(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(GEN_DOCS), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_generated_files_are_fresh():
    result = _gen_docs("--check")
    assert result.returncode == 0, result.stderr


def test_check_fails_and_names_a_stale_file(tmp_path):
    """A copy of the repository's generated files with one list edited by hand: --check must fail."""
    sys.path.insert(0, str(GEN_DOCS.parent))
    try:
        import gen_docs
    finally:
        sys.path.remove(str(GEN_DOCS.parent))
    original = gen_docs.CLI_DOC.read_text(encoding="utf-8")
    stale = original.replace("| `clip-subset` |", "| `clip-subset-old` |")
    assert stale != original
    fake = tmp_path / "cli.md"
    fake.write_text(stale, encoding="utf-8")
    saved = gen_docs.CLI_DOC
    gen_docs.CLI_DOC = fake
    try:
        assert gen_docs.main(["--check"]) == 1
        assert fake.read_text(encoding="utf-8") == stale, "--check must not write"
        assert gen_docs.main([]) == 0 and fake.read_text(encoding="utf-8") == original
    finally:
        gen_docs.CLI_DOC = saved


def test_epilog_names_every_environment_variable(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    missing = [v.name for v in ENVIRONMENT if v.name not in help_text]
    assert not missing, f"ccaudit --help does not name {missing}"


def test_dag_formats_are_the_declared_formats():
    tree = ast.parse((REPO / "dags" / "ccaudit_ingest_manifests.py").read_text(encoding="utf-8"))
    assigned = next(
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "FORMATS"
    )
    assert ast.literal_eval(assigned) == list(formats.discover())


def test_datasets_format_comment_names_every_format(con):
    comment = con.execute(
        "SELECT comment FROM duckdb_columns() WHERE table_name = 'datasets' AND column_name = 'format'"
    ).fetchone()[0]
    named = re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", comment.split(":", 1)[1])
    assert named == list(formats.discover())


def test_version_has_one_home():
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert __version__ == pyproject["project"]["version"]
    out = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "--version"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # The program's version first; the schema version the migrations reach follows (issue 22).
    assert out.strip().startswith(f"ccaudit {pyproject['project']['version']} (schema version ")
    assert not re.search(r"__version__\s*=\s*['\"]", (REPO / "pipelines" / "__init__.py").read_text()), (
        "the version is written in pyproject.toml only"
    )


def test_changelog_names_the_current_version():
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [Unreleased]" in changelog
    assert re.search(rf"^## \[{re.escape(__version__)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", changelog, re.MULTILINE)


def test_readme_is_short_and_its_links_resolve():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 300
    for page in ("architecture.md", "cli.md", "airflow.md", "performance.md"):
        assert f"docs/{page}" in readme, f"README does not link docs/{page}"
    for doc in [REPO / "README.md", *(REPO / "docs").glob("*.md")]:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", doc.read_text(encoding="utf-8")):
            if "://" in target or target.startswith("mailto:"):
                continue
            assert (doc.parent / target).exists(), f"{doc.relative_to(REPO)} links to missing {target}"


def _manifest_args(*flags: str) -> list[str]:
    return ["ingest", "manifest", "--format", "flickr30k", "--dataset", "d", *flags, "m.txt"]


def test_dataset_version_flag_and_its_deprecated_alias(capsys):
    parser = build_parser()
    assert parser.parse_args(_manifest_args("--dataset-version", "v1")).version == "v1"
    assert capsys.readouterr().err == ""
    assert parser.parse_args(_manifest_args("--version", "v0", "--version", "v2")).version == "v2"
    warnings = capsys.readouterr().err.splitlines()
    assert warnings == ["ccaudit: warning: --version is deprecated, use --dataset-version"]


def test_the_top_level_version_flag_is_the_program_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0 and capsys.readouterr().out.strip().startswith(
        f"ccaudit {__version__} ("
    )


def test_ci_runs_every_check():
    """`.ci/run` runs `make lint` and the README's `make test`; `make lint` runs all four checks."""
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "make lint" in ci and "make test\n" in ci
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    recipe = makefile[makefile.index("\nlint:") : makefile.index("\n\n", makefile.index("\nlint:"))]
    for check in ("ruff check", "ruff format --check", "mypy", "scripts/gen_docs.py --check"):
        assert check in recipe, f"make lint does not run {check}"
    assert "--durations=25" in makefile[makefile.index("\ntest:") :].split("\n\n")[0]


def test_the_manifest_dag_param_takes_dataset_version(tmp_path):
    """The DAG's manifests param carries the CLI's names: dataset_version; version, the older name, still works."""
    from pipelines import airflow_tasks
    from pipelines.errors import ConfigError

    path = tmp_path / "m.txt"
    path.write_text("1\n", encoding="utf-8")
    base = {"format": "flickr30k", "dataset": "d", "paths": [str(path)]}
    assert airflow_tasks.manifest_specs([{**base, "dataset_version": "v2"}])[0]["version"] == "v2"
    assert airflow_tasks.manifest_specs([{**base, "version": "v1"}])[0]["version"] == "v1"
    with pytest.raises(ConfigError, match="dataset_version only"):
        airflow_tasks.manifest_specs([{**base, "dataset_version": "v2", "version": "v1"}])
