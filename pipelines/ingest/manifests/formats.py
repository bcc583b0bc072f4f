"""The manifest formats: every module of this package that declares `FORMAT` (a ManifestFormat).

Adding a format is writing one module beside the others with `FORMAT = ManifestFormat(...)` and a
`parse(path, sink, **options)`; `discover()` finds it, and the CLI's --format choices and option
flags, and README's format table (kept in step by a test), come from what it declares.
"""

from __future__ import annotations

import pkgutil
from importlib import import_module
from types import ModuleType

from . import base


def discover(package: str = __package__) -> dict[str, ModuleType]:
    """--format name -> adapter module, sorted by name; two modules claiming one name is a bug."""
    found: dict[str, ModuleType] = {}
    for info in pkgutil.iter_modules(import_module(package).__path__):
        module = import_module(f"{package}.{info.name}")
        declared = getattr(module, "FORMAT", None)
        if not isinstance(declared, base.ManifestFormat):
            continue
        if declared.name in found:
            raise RuntimeError(f"manifest format {declared.name!r} is declared by {found[declared.name].__name__} "
                               f"and {module.__name__}")
        found[declared.name] = module
    return dict(sorted(found.items()))


def options(formats: dict[str, ModuleType]) -> dict[str, tuple[base.FormatOption, list[str]]]:
    """Option name -> (its declaration, the formats that take it), for building one flag per option."""
    merged: dict[str, tuple[base.FormatOption, list[str]]] = {}
    for name, module in formats.items():
        for option in module.FORMAT.options:
            merged.setdefault(option.name, (option, []))[1].append(name)
    return merged
