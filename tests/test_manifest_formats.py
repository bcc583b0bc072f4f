"""Manifest formats are discovered from the adapter modules' own declarations (formats.py)."""

from __future__ import annotations

import argparse
import ast
import inspect
import sys

import pytest

from pipelines.cli import build_parser
from pipelines.errors import InputError
from pipelines.ingest import manifests
from pipelines.ingest.manifests import formats
from tests.conftest import REPO, readme_table

TOY = '''"""A toy format: one photo id per line, `#` starts a comment."""

from .base import FormatOption, ManifestFormat, StagingSink, auditable, iter_lines, photo_id_from  # noqa: F401

FORMAT = ManifestFormat("toy", "one photo id per line", options=(FormatOption("comment", "comment marker"),))


def parse(path, sink: StagingSink, comment: str | None = None) -> None:
    for line_no, line in iter_lines(path, sink):
        text = line.split(comment or "#", 1)[0].strip()
        if text:
            sink.item(f"{path.name}:{line_no}", photo_id_from(text), line=line_no)
'''


def test_every_adapter_declares_itself():
    found = formats.discover()
    assert set(found) == {
        "clip-subset",
        "coco",
        "csv",
        "ffhq",
        "flickr30k",
        "megaface-paths",
        "open-images",
        "pipa",
        "yfcc-columns",
    }
    for name, module in found.items():
        assert module.FORMAT.description and "\n" not in module.FORMAT.description
        parameters = inspect.signature(module.parse).parameters
        takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
        for option in module.FORMAT.options:  # every declared option reaches parse()
            assert takes_any or option.name in parameters, (name, option.name)


def test_csv_declares_the_key_column_its_docstring_promises():
    options = formats.options(formats.discover())
    assert options["key_column"][1] == ["csv"] and options["key_column"][0].flag == "--key-column"


@pytest.fixture
def toy_format(tmp_path, monkeypatch):
    """Write one module, and the package finds it: the whole of adding a format."""
    (tmp_path / "toy.py").write_text(TOY, encoding="utf-8")
    monkeypatch.setattr(manifests, "__path__", [*manifests.__path__, str(tmp_path)])
    yield
    sys.modules.pop("pipelines.ingest.manifests.toy", None)


def test_a_new_format_is_one_module(toy_format, tmp_path):
    found = formats.discover()
    assert formats.options(found)["comment"][1] == ["toy"]
    # the CLI offers it with its flag, and the package stages it with its option
    args = _manifest_parser().parse_args(["--format", "toy", "--dataset", "t", "--comment", ";", "ids.txt"])
    assert (args.format, args.comment) == ("toy", ";")
    path = tmp_path / "ids.txt"
    path.write_text("10 ; first\n; a comment line\n20\n", encoding="utf-8")
    staged = manifests.stage_manifest("toy", "t", "v1", [path], tmp_path / "work", comment=";")
    assert (staged.items, staged.rejects) == (2, 0)
    with pytest.raises(InputError, match="--id-column do"):
        manifests.stage_manifest("toy", "t", "v1", [path], tmp_path / "work", id_column="x")


def test_two_modules_claiming_one_name_is_refused(toy_format, tmp_path):
    (tmp_path / "toy_again.py").write_text(TOY, encoding="utf-8")
    try:
        with pytest.raises(RuntimeError, match="'toy' is declared by"):
            formats.discover()
    finally:
        sys.modules.pop("pipelines.ingest.manifests.toy_again", None)


def readme_row(name: str, declared) -> str:
    options = " · ".join(f"`{o.flag}` {o.help}" for o in declared.options) or "—"
    description = declared.description.replace("|", "\\|")
    return f"| `{name}` | {description} | {options} |"


def test_readme_format_table_is_the_declarations():
    rows = readme_table("| format | reads | options |", "docs/cli.md")
    assert rows == [readme_row(name, module.FORMAT) for name, module in formats.discover().items()], (
        "docs/cli.md's manifest format table is out of step with the adapters' FORMAT declarations"
    )


def _manifest_parser() -> argparse.ArgumentParser:
    parser = build_parser()
    for name in ("ingest", "manifest"):
        parser = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[name]
    return parser


def test_cli_and_dag_offer_exactly_the_declared_formats():
    """The DAG file stays cheap to parse (no adapter imports), so its enum is checked here, not imported."""
    declared = set(formats.discover())
    tree = ast.parse((REPO / "dags" / "ccaudit_ingest_manifests.py").read_text(encoding="utf-8"))
    dag_enum = next(
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "FORMATS"
    )
    choices = next(a.choices for a in _manifest_parser()._actions if a.dest == "format")
    assert set(choices) == declared and set(dag_enum) == declared
