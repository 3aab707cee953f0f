"""pack-build: a pack workbook -> a pack folder (DIR/pack.json), only when the full pack-check passes."""

from __future__ import annotations

import json
from pathlib import Path

from toolkit.errors import PackError
from toolkit.findings import Finding
from toolkit.packs.source import PACK_FILE


def build_pack_dir(workbook: Path, out_dir: Path) -> tuple[list[Finding], Path | None]:
    """The findings (each naming its sheet and cell) and DIR/pack.json, or None when there are errors."""
    from toolkit.errors import OutputError
    from toolkit.packs.workbook_check import compile_checked
    from toolkit.runtime.atomic import explain, write_text

    if not workbook.is_file():
        raise PackError(f"找不到申报包工作簿 {workbook}")
    compiled, findings = compile_checked(workbook)
    if any(f.is_error for f in findings):
        return findings, None
    text = json.dumps(compiled.raw, ensure_ascii=False, indent=2) + "\n"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        return findings, write_text(out_dir / PACK_FILE, text)
    except OSError as exc:
        raise OutputError(explain(exc, out_dir / PACK_FILE)) from None
