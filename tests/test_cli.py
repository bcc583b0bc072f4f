"""The CLI contract: every command is documented in docs/cli.md, --help explains, errors are one line."""

import argparse
import re
import subprocess
import sys

import pytest

from pipelines.cli import build_parser, main
from tests.conftest import REPO


def _command_paths(parser: argparse.ArgumentParser, prefix=()):
    """Yield (('ingest','yfcc'), subparser) for every leaf command of the CLI."""
    subactions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subactions:
        yield prefix, parser
        return
    for name, sub in subactions[0].choices.items():
        yield from _command_paths(sub, prefix + (name,))


COMMANDS = list(_command_paths(build_parser()))


def test_the_contract_commands_exist():
    paths = {" ".join(path) for path, _ in COMMANDS}
    assert {
        "demo",
        "generate yfcc",
        "ingest yfcc",
        "ingest manifest",
        "enrich",
        "validate",
        "report",
        "lookup",
        "optout add",
    } <= paths


@pytest.mark.parametrize("path, sub", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_command_and_flag_is_in_the_readme(path, sub):
    readme = (REPO / "docs" / "cli.md").read_text()
    assert f"ccaudit {' '.join(path)}" in readme, f"docs/cli.md does not document `ccaudit {' '.join(path)}`"
    for action in sub._actions:
        for flag in action.option_strings:
            if flag.startswith("--") and flag not in ("--help", "--db"):
                assert (
                    re.search(rf"ccaudit {' '.join(path)}\b[^\n]*{re.escape(flag)}\b", readme)
                    or f"`{flag}" in readme
                ), f"docs/cli.md does not mention {flag} of `ccaudit {' '.join(path)}`"


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=[" ".join(p) for p, _ in COMMANDS])
def test_help_explains_every_command(path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([*path, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: ccaudit") and len(out.splitlines()) >= 4


def test_errors_are_one_line_without_traceback(tmp_path):
    missing = tmp_path / "nope.duckdb"
    result = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "--db", str(missing), "lookup", "someone"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("ccaudit: error:") and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not missing.exists(), "a read-only command must not create the database"


def test_db_flag_works_before_and_after_the_command(tmp_path, monkeypatch):
    monkeypatch.delenv("CCAUDIT_DB", raising=False)
    args_before = build_parser().parse_args(["--db", "a.duckdb", "validate"])
    args_after = build_parser().parse_args(["validate", "--db", "b.duckdb"])
    assert (args_before.db, args_after.db) == ("a.duckdb", "b.duckdb")
    assert not hasattr(build_parser().parse_args(["validate"]), "db")


def test_env_var_sets_the_default_database(tmp_path, monkeypatch):
    from pipelines.config import Settings

    monkeypatch.setenv("CCAUDIT_DB", str(tmp_path / "env.duckdb"))
    assert Settings.from_env().db_path == tmp_path / "env.duckdb"
    assert Settings.from_env(db="x.duckdb").db_path.name == "x.duckdb"


def test_settings_never_show_the_key():
    from pipelines.config import Settings

    settings = Settings.from_env(env={"FLICKR_API_KEY": "s3cr3t-key-123"})
    assert settings.flickr_api_key == "s3cr3t-key-123"
    assert "s3cr3t" not in repr(settings) and "s3cr3t" not in str(settings)


def test_bad_rate_setting_is_a_clear_error():
    from pipelines.config import Settings
    from pipelines.errors import ConfigError

    with pytest.raises(ConfigError, match="CCAUDIT_FLICKR_RATE"):
        Settings.from_env(env={"CCAUDIT_FLICKR_RATE": "fast"})


def test_an_impossible_database_folder_is_a_one_line_error(capsys):
    assert main(["--db", "/proc/no-such-dir/x.duckdb", "validate"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ccaudit: error: cannot create the folder") and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "argv_tail, message",
    [
        (["generate", "yfcc", "{tmp}/sample.tsv.xz", "--rows", "5"], "cannot write .xz"),
        (["ingest", "yfcc", "{tmp}"], "a-file: not a YFCC100M metadata file"),  # a folder means its files
        (["demo", "--out", "{tmp}/a-file"], "cannot use"),
    ],
)
def test_user_mistakes_give_one_line_errors(tmp_path, capsys, argv_tail, message):
    (tmp_path / "a-file").write_text("not a folder")
    argv = ["--db", str(tmp_path / "db.duckdb")] + [part.format(tmp=tmp_path) for part in argv_tail]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("ccaudit: error:") and message in err and len(err.strip().splitlines()) == 1


def test_a_foreign_duckdb_file_is_refused_by_readers(tmp_path, capsys):
    import duckdb

    foreign = tmp_path / "other.duckdb"
    duckdb.connect(str(foreign)).execute("CREATE TABLE t (x INTEGER)").close()
    assert main(["--db", str(foreign), "lookup", "someone"]) == 2
    assert "not a ccaudit database" in capsys.readouterr().err


@pytest.mark.parametrize("rate", ["nan", "inf", "-5", "0"])
def test_non_finite_or_negative_rates_are_refused(rate):
    from pipelines.config import Settings
    from pipelines.errors import ConfigError

    with pytest.raises(ConfigError, match="CCAUDIT_FLICKR_RATE"):
        Settings.from_env(env={"CCAUDIT_FLICKR_RATE": rate})


def test_commands_other_than_ingest_manifest_do_not_import_the_adapters():
    """The --format choices come from importing every manifest adapter (pyarrow, DuckDB): only
    `ingest manifest` pays for that; `--help` and the other commands start without it."""
    code = (
        "import sys; from pipelines.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "print('pyarrow' in sys.modules, 'pipelines.ingest.manifests.coco' in sys.modules)"
    )

    def imported(*argv):
        out = subprocess.run(
            [sys.executable, "-c", code, *argv], capture_output=True, text=True, cwd=REPO, check=True
        )
        return out.stdout.strip().splitlines()[-1]

    assert imported("--help") == "False False"
    assert imported("generate", "yfcc", "--help") == "False False"
    assert imported("ingest", "manifest", "--help") == "True True"
