#!/usr/bin/env bash
# The main job on the bundled samples: creates .venv on first use, installs shenbao, then for
# every built-in campaign pack writes its blank templates and runs the whole pipeline
# (`shenbao run`: ingest -> validate -> dedupe -> 汇总表 -> 报送函) on samples/<pack>/ into out/<pack>/.
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
  $SB template "$pack" -o "$OUT/$pack/模板" >/dev/null
  # Exit code 1 means the run finished with rejected rows or unreadable files: the samples plant
  # such problems on purpose, so it is expected here; any other code is a real failure.
  code=0
  # samples/<pack>/shenbao.toml gives the 填报单位, the units expected and the sender's details.
  $SB run "$pack" "samples/$pack" -o "$OUT/$pack" || code=$?
  if [ "$code" -gt 1 ]; then
    echo "shenbao run $pack 失败（退出码 $code）" >&2
    exit "$code"
  fi
done
echo
echo "完成：每个申报包的 模板/、汇总表.xlsx、校验报告.xlsx、退回修改/、报送函.docx 和 manifest.json 在 $OUT/<申报包>/ 下。"
