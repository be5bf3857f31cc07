#!/usr/bin/env bash
# Network sync on one machine, end to end: the demo province runs its hub, three commune installations
# log events offline, then `sotay sync` brings them up; a plan made at the province reaches all three.
#   scripts/demo-hub.sh [FOLDER]     (default /tmp/sotay-demo-hub; PORT=8443)
# Afterwards, to see a commune in the window (it syncs by itself while the hub runs):
#   target/debug/sotay --db FOLDER/tinh.db serve --listen 127.0.0.1:PORT &
#   SOTAY_DB=FOLDER/xa-1.db cargo run -p sotay-desktop
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q -p sotay-cli
s=$PWD/target/debug/sotay
d=${1:-/tmp/sotay-demo-hub}
port=${PORT:-8443}
rm -rf "$d" && mkdir -p "$d"

echo "== the demo province, and its enrolment file naming its hub"
$s --db "$d/tinh.db" seed --demo | tail -1
$s --db "$d/tinh.db" enroll export --out "$d/tinh.json" --hub "https://127.0.0.1:$port"

names=("Đoàn xã Phụng Công:XA-PHUNG-CONG" "Đoàn xã Nghĩa Trụ:XA-NGHIA-TRU" "Đoàn xã Tân Tiến:XA-TAN-TIEN")
for i in 1 2 3; do
  IFS=: read -r name code <<<"${names[$((i - 1))]}"
  c="$d/xa-$i.db"
  echo "== $name: a commune installation, enrolled both ways"
  $s --db "$c" init --name "$name" --code "$code" >/dev/null
  $s --db "$c" enroll import "$d/tinh.json" | tail -1
  $s --db "$c" enroll export --out "$d/xa-$i.json" >/dev/null
  $s --db "$d/tinh.db" enroll import "$d/xa-$i.json" | tail -1
  for j in 1 2 3; do
    echo "{\"title\": \"Tuyên truyền Luật Thanh niên tại thôn $j ($name)\", \"start_at\": \"2026-11-2${j}T08:00\", \"participants\": {\"members\": $((20 + j)), \"non_members\": 5}}" \
      | $s --db "$c" add event --json - >/dev/null
  done
done

echo "== offline (no hub yet)"
$s --db "$d/xa-1.db" sync --attempts 1 || true

echo "== the hub starts"
$s --db "$d/tinh.db" serve --listen "127.0.0.1:$port" >"$d/hub.out" 2>&1 &
hub=$!
trap 'kill $hub 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do grep -q "https://" "$d/hub.out" && break; sleep 0.1; done
cat "$d/hub.out"
for i in 1 2 3; do $s --db "$d/xa-$i.db" sync; $s --db "$d/xa-$i.db" outbox | tail -2 | head -1; done

echo "== a new plan at the province, and each commune syncs"
echo '{"title": "Kế hoạch tuyên truyền kỷ niệm 96 năm Ngày thành lập Đoàn", "start_on": "2027-03-01", "end_on": "2027-03-26"}' \
  | $s --db "$d/tinh.db" add plan --json -
for i in 1 2 3; do $s --db "$d/xa-$i.db" sync; done
sleep 1
echo "== at the province"
$s --db "$d/tinh.db" list events --search "luat thanh nien" | tail -1
