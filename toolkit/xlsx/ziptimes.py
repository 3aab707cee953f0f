"""Zip packages with fixed entry dates, so that writing the same content twice gives the same bytes.

python-docx and LibreOffice date every part of a .docx or .ods with the time it was written. A
template or sample regenerated from an unchanged pack would then differ from the committed one in
those dates alone; `fix_entry_times` rewrites the package with one date on every entry, keeping
the entries' order, names and compression (an .ods keeps its `mimetype` first and stored).
"""

from __future__ import annotations

import os
import zipfile
from datetime import datetime
from pathlib import Path


def fix_entry_times(path: Path, when: datetime) -> None:
    """Rewrite the zip at `path` with every entry dated `when` (a zip date: 1980 or later)."""
    path = Path(path)
    stamp = max(when, datetime(1980, 1, 1)).timetuple()[:6]
    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    tmp = path.with_name(f".{path.name}.dates")
    try:
        with zipfile.ZipFile(tmp, "w") as out:
            for info, data in entries:
                fixed = zipfile.ZipInfo(info.filename, date_time=stamp)
                fixed.compress_type = info.compress_type
                fixed.external_attr = info.external_attr
                fixed.create_system = 3  # the same bytes whichever system regenerates it
                out.writestr(fixed, data)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
