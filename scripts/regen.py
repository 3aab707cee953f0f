"""Regenerate every file derived from the campaign packs, with the project's own code.

    python scripts/regen.py            # schemas/<pack>/<annex>.schema.json and templates/
    python scripts/regen.py --check    # exit 1 if a committed schema differs; writes nothing

`--check` compares the annex schemas only. The templates are compared by the tests
(tests/test_templates_committed.py), by their content rather than their bytes.

Run it after changing a pack, and commit what it writes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from toolkit.packs.loader import load_pack  # noqa: E402
from toolkit.packs.schemas import annex_schema  # noqa: E402
from toolkit.packs.source import builtin_ids  # noqa: E402
from toolkit.runtime.atomic import write_text  # noqa: E402


def schema_text(pack_id: str, annex_id: str) -> str:
    pack = load_pack(pack_id)
    return json.dumps(annex_schema(pack, pack.annex(annex_id)), ensure_ascii=False, indent=2) + "\n"


def regen_schemas(check: bool) -> list[Path]:
    stale = []
    for pack_id in builtin_ids():
        pack = load_pack(pack_id)
        for annex in pack.data_annexes:
            path = REPO / "schemas" / pack_id / f"{annex.id}.schema.json"
            text = schema_text(pack_id, annex.id)
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(path)
                if not check:
                    write_text(path, text)
    return stale


def regen_templates() -> list[Path]:
    from toolkit.template import write_templates

    written = []
    for pack_id in builtin_ids():
        pack = load_pack(pack_id)
        sheets = [a.id for a in pack.annexes if a.kind != "document"]
        docs = [a.id for a in pack.annexes if a.kind == "document"]
        written += write_templates(pack, REPO / "templates" / "xlsx" / pack_id, sheets)
        if docs:
            written += write_templates(pack, REPO / "templates" / "docx" / pack_id, docs)
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="write nothing; list the annex schemas that differ from the packs and exit 1 "
                        "if any does (templates are not checked here: tests/test_templates_committed.py)")
    parser.add_argument("--no-templates", action="store_true", help="write the schemas only")
    args = parser.parse_args()
    stale = regen_schemas(args.check)
    for path in stale:
        print(("stale " if args.check else "wrote ") + str(path.relative_to(REPO)))
    if args.check:
        return 1 if stale else 0
    if not args.no_templates:
        for path in regen_templates():
            print("wrote " + str(path.relative_to(REPO)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
