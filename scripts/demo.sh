#!/usr/bin/env bash
# The main job on the bundled samples: creates .venv on first use, installs shenbao, then for
# every built-in campaign pack checks the pack and writes its blank templates into out/.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
OUT=${1:-out}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e .
SB=.venv/bin/shenbao
$SB packs
for pack in $($SB packs --json | .venv/bin/python -c 'import json,sys; print(" ".join(p["id"] for p in json.load(sys.stdin)))'); do
  echo
  echo "== $pack"
  $SB pack-check "$pack"
  $SB template "$pack" -o "$OUT/$pack/模板"
done
echo
echo "完成：模板在 $OUT/ 下。"
