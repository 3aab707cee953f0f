"""Each fast path of toolkit/seams.py can be switched to its plain reference, and gives the same."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from toolkit import seams
from toolkit.runtime import parallel

ROOT = Path(__file__).resolve().parents[1]


def _python(code: str, reference: str) -> str:
    env = {**os.environ, "SHENBAO_REFERENCE": reference}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env,
                          cwd=ROOT).stdout.strip()


def test_every_seam_names_its_module_and_its_tests() -> None:
    for seam in seams.SEAMS:
        assert (ROOT / seam.where).is_file(), seam
        tests = re.findall(r"tests/\w+\.py", seam.held_by)
        assert tests, seam
        for test in tests:
            assert (ROOT / test).is_file(), (seam.name, test)


def test_reference_reads_the_list_and_all(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHENBAO_REFERENCE", raising=False)
    assert not any(seams.reference(n) for n in seams.NAMES)
    monkeypatch.setenv("SHENBAO_REFERENCE", " lean , share")
    assert seams.reference("lean") and seams.reference("share") and not seams.reference("exit")
    monkeypatch.setenv("SHENBAO_REFERENCE", "all")
    assert all(seams.reference(n) for n in seams.NAMES)
    with pytest.raises(KeyError):
        seams.reference("fastest")


def test_share_reference_uses_the_plain_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    if parallel.start_method(False) != "fork":
        pytest.skip("the sharing scheduler runs with forked workers only")
    items = list(range(40))
    monkeypatch.setenv("SHENBAO_REFERENCE", "share")

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("the sharing scheduler ran under SHENBAO_REFERENCE=share")

    monkeypatch.setattr(parallel, "_map_sharing", refuse)
    assert list(parallel.map_ordered(lambda x: x * x, items, jobs=2, share=True)) == [x * x for x in items]


@pytest.mark.parametrize("reference", ["", "share"])
def test_share_reference_writes_the_outputs_from_the_plain_pool(monkeypatch: pytest.MonkeyPatch,
                                                                reference: str) -> None:
    """The output tasks (`iter_tasks(share=True)`): this process beside one worker, or under
    SHENBAO_REFERENCE=share a pool of workers; the same results in the same order."""
    if parallel.start_method(False) != "fork":
        pytest.skip("the sharing scheduler runs with forked workers only")
    monkeypatch.setenv("SHENBAO_REFERENCE", reference)
    shared = parallel._map_sharing
    used: list[bool] = []

    def sharing(*args: object, **kwargs: object) -> object:
        used.append(True)
        return shared(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(parallel, "_map_sharing", sharing)
    tasks = [lambda i=i: i * i for i in range(7)]
    assert parallel.run_tasks(tasks, parallel.MIN_ROWS_FOR_TASKS, jobs=2, share=True) == [i * i for i in range(7)]
    assert used == ([] if reference else [True])


def test_lean_reference_imports_the_whole_package() -> None:
    code = ("import sys; from toolkit.runtime.lean import import_without; import_without('cel', 'cli'); "
            "print('cel.cli' in sys.modules and not sys.modules['cel.cli'].__doc__.startswith('not loaded'))")
    assert _python(code, "lean") == "True"


def test_exit_reference_gives_the_same_output_and_code(tmp_path: Path) -> None:
    """The console entry with the interpreter's ordinary exit: the same lines, the same exit code."""
    samples = ROOT / "samples" / "jl-761-2020"
    results = []
    for reference in ("", "exit"):
        env = {**os.environ, "SHENBAO_REFERENCE": reference}
        done = subprocess.run([sys.executable, "-m", "toolkit", "run", "jl-761-2020", str(samples), "-o",
                               str(tmp_path / (reference or "fast")), "--json"],
                              capture_output=True, text=True, env=env, cwd=ROOT)
        result = json.loads(done.stdout)
        result.pop("out_dir", None)
        results.append((done.returncode, result.get("counts"), result.get("exit_code")))
    assert results[0] == results[1]
    assert results[0][0] == 1  # the samples hold refused projects: exit 1
