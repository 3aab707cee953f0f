"""Importing a library without a submodule of it that we never use.

`common-expression-language` (import name `cel`) imports its interactive shell, `cel.cli`, in its
`__init__`: typer, prompt_toolkit, rich and pygments, 65 ms of a 1.2 s run, for a REPL shenbao
never opens. `import_without("cel", "cli")` puts an empty stand-in for that submodule in place while
the package loads, and takes it away afterwards, so a later `import cel.cli` still finds the real
one. Should a release of the package need something from the submodule at import, the stand-in is
dropped and the package imported whole: slower, never broken.
"""

from __future__ import annotations

import importlib
import sys
import types

from toolkit.seams import reference


def import_without(package: str, unused: str) -> types.ModuleType:
    """`import package`, with `package.unused` left out where the package allows it."""
    if package in sys.modules:
        return sys.modules[package]
    if reference("lean"):  # SHENBAO_REFERENCE=lean: the whole package (toolkit/seams.py)
        return importlib.import_module(package)
    name = f"{package}.{unused}"
    if name in sys.modules:  # the real one is loaded already: nothing left to save
        return importlib.import_module(package)
    stand_in = types.ModuleType(name, f"not loaded by shenbao (toolkit.runtime.lean): import {name} to load it")
    sys.modules[name] = stand_in
    try:
        module = importlib.import_module(package)
    except ImportError:
        _forget(package)
        module = importlib.import_module(package)
    finally:
        if sys.modules.get(name) is stand_in:
            del sys.modules[name]
    return module


def _forget(package: str) -> None:
    """Drop what a failed import left of `package` in sys.modules, so it can be imported again."""
    for loaded in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
        del sys.modules[loaded]
