"""`pip install .` (not editable) ships the packs and every subpackage."""

from __future__ import annotations

import configparser
import subprocess
import sys
from pathlib import Path

from tests.helpers import REPO


def test_every_subpackage_is_listed_in_setup_cfg() -> None:
    cfg = configparser.ConfigParser()
    cfg.read(REPO / "setup.cfg", encoding="utf-8")
    listed = {p.strip() for p in cfg["options"]["packages"].split() if p.strip()}
    found = {
        ".".join(init.parent.relative_to(REPO).parts)
        for init in (REPO / "toolkit").rglob("__init__.py")
    }
    assert found <= listed, f"add to setup.cfg [options] packages: {sorted(found - listed)}"


def test_wheel_install_finds_the_builtin_packs(tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "--target", str(target), str(REPO)],
        check=True, capture_output=True, text=True, cwd=tmp_path,
    )
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from toolkit.packs.loader import builtin_root, builtin_ids, load_pack\n"
        "root = builtin_root(); assert str(root).startswith(sys.argv[1]), root\n"
        "ids = builtin_ids(); [load_pack(i) for i in ids]\n"
        "print(' '.join(ids))"
    )
    out = subprocess.run([sys.executable, "-c", probe, str(target)], check=True, capture_output=True,
                         text=True, cwd=tmp_path)
    assert "jl-761-2020" in out.stdout.split()
    assert (target / "toolkit" / "builtin_packs" / "jl-761-2020" / "history" / "1.0.0.json").is_file()
