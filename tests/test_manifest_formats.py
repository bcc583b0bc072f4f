"""Manifest formats are discovered from the adapter modules' own declarations (formats.py)."""

from __future__ import annotations

import ast
import inspect
import sys

import pytest

from pipelines.cli import MANIFEST_FORMATS
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


def test_every_adapter_declares_itself_and_the_package_list_agrees():
    found = formats.discover()
    assert set(found) == set(manifests.FORMATS)
    for name, module in found.items():
        assert module.__name__.rsplit(".", 1)[1] == manifests.FORMATS[name]
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


def test_a_new_format_is_one_module(toy_format):
    found = formats.discover()
    assert found["toy"].FORMAT.options[0].flag == "--comment"
    assert formats.options(found)["comment"][1] == ["toy"]


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
    rows = readme_table("| format | reads | options |")
    assert rows == [readme_row(name, module.FORMAT) for name, module in formats.discover().items()], \
        "README's manifest format table is out of step with the adapters' FORMAT declarations"


def test_cli_and_dag_offer_exactly_the_declared_formats():
    """The DAG file stays cheap to parse (no adapter imports), so its enum is checked here, not imported."""
    declared = set(formats.discover())
    tree = ast.parse((REPO / "dags" / "ccaudit_ingest_manifests.py").read_text(encoding="utf-8"))
    dag_enum = next(ast.literal_eval(node.value) for node in tree.body
                    if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "FORMATS")
    assert set(MANIFEST_FORMATS) == declared and set(dag_enum) == declared
