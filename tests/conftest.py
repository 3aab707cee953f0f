"""Test-wide settings.

Tests that open our files in a real office suite are marked `office`. On a machine without
LibreOffice they are skipped, unless SHENBAO_REQUIRE_OFFICE=1 (CI sets it), where a missing
`soffice` fails them instead: CI must never pass by skipping the real-office checks.

Property tests (hypothesis) have no per-example deadline: on a loaded 2-core machine a single
slow example is not a failure of the code; each test's own bounds (example counts, time limits
asserted in the test) stay as they are.
"""

from __future__ import annotations

import os
import shutil

import pytest
from hypothesis import settings

settings.register_profile("shenbao", deadline=None)
settings.load_profile("shenbao")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if shutil.which("soffice"):
        return
    required = os.environ.get("SHENBAO_REQUIRE_OFFICE") == "1"
    for item in items:
        if item.get_closest_marker("office"):
            if required:
                item.add_marker(pytest.mark.usefixtures("_office_required"))
            else:
                item.add_marker(pytest.mark.skip(reason="LibreOffice (soffice) is not installed"))


@pytest.fixture
def _office_required() -> None:
    pytest.fail("SHENBAO_REQUIRE_OFFICE=1 but LibreOffice (soffice) is not installed")
