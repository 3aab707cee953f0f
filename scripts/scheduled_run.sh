#!/usr/bin/env bash
# Scheduled use on a shared drive (cron): run shenbao on an inbox folder into a dated output folder
# and append one line per run to a log. Example crontab line (every working day at 18:00):
#   0 18 * * 1-5  /path/to/shenbao/scripts/scheduled_run.sh /mnt/共享盘/761收件箱 /mnt/共享盘/761结果
# The inbox may hold a shenbao.toml (pack, unit_name, org, expect ...); otherwise set PACK.
set -uo pipefail
INBOX=${1:?用法：scheduled_run.sh 收件文件夹 结果文件夹}
RESULTS=${2:?用法：scheduled_run.sh 收件文件夹 结果文件夹}
here=$(cd "$(dirname "$0")/.." && pwd)
# shenbao on the PATH, else the repository's .venv (made by scripts/demo.sh or test.sh).
SHENBAO=${SHENBAO:-$(command -v shenbao || echo "$here/.venv/bin/shenbao")}
PACK=${PACK:-}
stamp=$(date +%Y%m%d-%H%M%S)
out="$RESULTS/$stamp"
log="$RESULTS/shenbao.log"
mkdir -p "$RESULTS"
json="$RESULTS/.run-$stamp.json"
# stdout is one JSON object; messages go to the log through stderr.
$SHENBAO run $PACK "$INBOX" -o "$out" --json >"$json" 2>>"$log"
code=$?
summary=$(python3 - "$json" <<'PY' 2>/dev/null
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
if "error" in d:  # exit 2, 3, 4: the reason, as on stderr
    print(f'未完成：{d["error"]["message"]}')
    sys.exit()
c = d["counts"]
print(f'读取{c["rows_read"]} 通过{c["accepted"]} 未通过{c["rejected"]} 重复{c["duplicates_merged"]} '
      f'疑似{c["suspected_duplicates"]} 未报送{len(d["not_reported"])}')
PY
)
echo "$(date '+%Y-%m-%d %H:%M:%S') 退出码=$code ${summary:-（无结果，见上面的错误）} 输出=$out" >>"$log"
mv -f "$json" "$out/result.json" 2>/dev/null || true
# Keep the latest result easy to find for people browsing the share.
if [ "$code" -le 1 ]; then ln -sfn "$stamp" "$RESULTS/最新" 2>/dev/null || true; fi
exit "$code"
