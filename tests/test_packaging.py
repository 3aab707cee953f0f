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
        "from toolkit.packs.loader import load_pack\n"
        "from toolkit.packs.source import builtin_root, builtin_ids\n"
        "root = builtin_root(); assert str(root).startswith(sys.argv[1]), root\n"
        "ids = builtin_ids(); [load_pack(i) for i in ids]\n"
        "print(' '.join(ids))"
    )
    out = subprocess.run([sys.executable, "-c", probe, str(target)], check=True, capture_output=True,
                         text=True, cwd=tmp_path)
    assert "jl-761-2020" in out.stdout.split()
    assert (target / "toolkit" / "builtin_packs" / "jl-761-2020" / "history" / "1.0.0.json").is_file()


def test_built_wheel_gives_a_shenbao_command_that_works_from_any_folder(tmp_path: Path) -> None:
    """README's install path on Linux: build the wheel, install it into a new virtual environment
    (its dependencies taken from this one, so no download), and run `shenbao` from another folder
    by the command the environment puts on PATH."""
    import sysconfig
    import venv

    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "--disable-pip-version-check", "-w", str(wheels), str(REPO)],
                   check=True, capture_output=True, text=True, cwd=tmp_path)
    (wheel,) = wheels.glob("shenbao-*.whl")
    env_dir = tmp_path / "env"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    bin_dir = env_dir / ("Scripts" if sys.platform == "win32" else "bin")
    python = bin_dir / ("python.exe" if sys.platform == "win32" else "python")
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
                    "--disable-pip-version-check", str(wheel)], check=True, capture_output=True, text=True)
    shenbao = bin_dir / ("shenbao.exe" if sys.platform == "win32" else "shenbao")
    assert shenbao.is_file()
    where = subprocess.run([str(python), "-c", "import toolkit; print(toolkit.__file__)"], check=True,
                           capture_output=True, text=True, cwd=tmp_path).stdout
    assert Path(where.strip()).is_relative_to(site), where  # the wheel's copy, not this checkout
    elsewhere = tmp_path / "某个文件夹"
    elsewhere.mkdir()
    env = {"PATH": f"{bin_dir}{':' if sys.platform != 'win32' else ';'}/usr/bin:/bin", "HOME": str(tmp_path)}
    shown = subprocess.run(["shenbao", "--help"], check=True, capture_output=True, text=True, cwd=elsewhere, env=env)
    assert "shenbao run" in shown.stdout
    done = subprocess.run(["shenbao", "run", "jl-761-2020", str(REPO / "samples" / "jl-761-2020"), "-o", "结果"],
                          capture_output=True, text=True, cwd=elsewhere, env=env)
    assert done.returncode == 1, done.stderr  # the samples hold refused projects on purpose
    assert (elsewhere / "结果" / "汇总表.xlsx").is_file() and (elsewhere / "结果" / "报送函.docx").is_file()
    assert str(REPO / "toolkit") not in done.stdout + done.stderr
