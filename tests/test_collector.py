"""toolkit.runtime.collector: the cyclic collector kept out of bulk work, and left as it was found."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from toolkit.runtime.collector import collector_paused


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    gc.enable() if was else gc.disable()


def _young(obj: object) -> bool:
    return any(o is obj for o in gc.get_objects(generation=0))


def test_what_was_made_while_paused_is_handed_back_as_long_lived(collector_on: None) -> None:
    """Left in the youngest generation, the batch's records would all be walked by the first
    collection after the run, for nothing: they live to the end."""
    with collector_paused():
        assert not gc.isenabled()
        made = [[i] for i in range(1000)]
        assert _young(made)
    assert gc.isenabled() and gc.get_freeze_count() == 0
    assert not _young(made) and not _young(made[500])
    assert any(o is made for o in gc.get_objects(generation=2))


def test_nested_pauses_and_a_collector_already_off_are_left_as_found(collector_on: None) -> None:
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled() and gc.get_freeze_count() > 0
    assert gc.isenabled() and gc.get_freeze_count() == 0
    gc.disable()
    with collector_paused():
        inside = [[]]
    assert not gc.isenabled() and gc.get_freeze_count() == 0
    assert _young(inside)  # not paused by us: nothing moved


def test_objects_someone_else_froze_stay_frozen(collector_on: None) -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with collector_paused():
            [[] for _ in range(10)]
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
