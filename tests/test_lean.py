"""toolkit.runtime.lean: a package imported without a submodule it loads only for a part we never use."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from toolkit.runtime.lean import import_without


@pytest.fixture
def packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in [m for m in sys.modules if m.split(".")[0] in ("leanpkg", "needy")]:
        del sys.modules[name]


def _package(root: Path, name: str, init: str) -> None:
    (root / name).mkdir()
    (root / name / "__init__.py").write_text(textwrap.dedent(init), encoding="utf-8")
    (root / name / "shell.py").write_text("import json\nLOADED = True\nmain = object()\n", encoding="utf-8")
    (root / name / "core.py").write_text("def answer():\n    return 42\n", encoding="utf-8")


def test_the_submodule_is_left_out_and_can_still_be_imported_later(packages: Path) -> None:
    _package(packages, "leanpkg", "from . import shell, core\nfrom .core import answer\n")
    module = import_without("leanpkg", "shell")
    assert module.answer() == 42
    assert "leanpkg.shell" not in sys.modules  # the stand-in is gone once the package is loaded
    assert not hasattr(module.shell, "LOADED")
    import leanpkg.shell  # noqa: F401  (a later import loads the real one)

    assert sys.modules["leanpkg.shell"].LOADED is True


def test_a_package_that_needs_the_submodule_is_imported_whole(packages: Path) -> None:
    _package(packages, "needy", "from .shell import main\nfrom .core import answer\n")
    module = import_without("needy", "shell")
    assert module.answer() == 42
    assert module.main is sys.modules["needy.shell"].main
    assert sys.modules["needy.shell"].LOADED is True


def test_an_imported_package_is_returned_as_it_is(packages: Path) -> None:
    _package(packages, "leanpkg", "from . import shell\n")
    import leanpkg

    assert import_without("leanpkg", "shell") is leanpkg
    assert sys.modules["leanpkg.shell"].LOADED is True


def test_the_cel_syntax_check_loads_without_the_cel_shell() -> None:
    """pack-check asks the CEL bindings whether an expression is CEL, as every command loads a pack."""
    code = ("import sys, toolkit.packs.criteria as c; "
            "print(c.cel_syntax_problem('1 + 2'), 'cel' in sys.modules, 'prompt_toolkit' in sys.modules, "
            "'typer' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["None", "True", "False", "False"]
