#!/usr/bin/env bash
# Encrypted over plain, side by side in one run (docs/benchmarks.md, "Encryption"): list page, search,
# dashboard, report and a backup on the same data through SQLCipher and through a plain copy; the import
# of N events into an encrypted and a plain copy of the province; unlock and first screen.
#   scripts/bench-encryption.sh [EVENTS_FOR_IMPORT_AND_DASHBOARD] [EVENTS_FOR_LIST_AND_SEARCH]
#   (defaults 100000 and 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
big=${2:-1000000}
work=${BENCH_DIR:-/tmp/sotay-bench}/encryption
rm -rf "$work" && mkdir -p "$work"
cargo build --release -p sotay-cli >/dev/null 2>&1
s=target/release/sotay
export SOTAY_PASSPHRASE="mật khẩu đo hiệu năng"
t() { /usr/bin/time -f "  %e s, peak RSS %M KB" "$@"; }

$s --db "$work/p.db" init --name "Tỉnh đoàn" --code TINH --level province 2>/dev/null >/dev/null
$s --db "$work/a.db" init --name "Đoàn xã A" --code XA-A 2>/dev/null >/dev/null
$s --db "$work/p.db" enroll export --out "$work/up.json" >/dev/null
$s --db "$work/a.db" enroll import "$work/up.json" >/dev/null
$s --db "$work/a.db" enroll export --out "$work/down.json" >/dev/null
$s --db "$work/p.db" enroll import "$work/down.json" >/dev/null
echo "== seed $n events at the commune"
t $s --db "$work/a.db" seed --events "$n" 2>&1 | grep -v '^[0-9]' | tail -2
$s --db "$work/a.db" export --out "$work/stick" >/dev/null
echo "== unlock (Argon2id 64 MiB, t=3) and the first screen's dashboard, whole process, $n events"
for i in 1 2 3; do t $s --db "$work/a.db" dashboard --period 2025 >/dev/null; done
echo "== $n events: queries and backup on the commune, encrypted and plain"
$s --db "$work/a.db" --lang en bench --plain-too --runs 10
echo "== import of the $n events into the province, encrypted and plain"
$s --db "$work/p.db" --lang en bench --plain-too --runs 3 --import "$work"/stick/*.bundle.json | sed -n '/== encrypted \/ plain/,$p'
if [[ "$big" -gt 0 ]]; then
  echo "== seed $big events"
  $s --db "$work/big.db" init --name "Đoàn xã B" --code XA-B 2>/dev/null >/dev/null
  t $s --db "$work/big.db" seed --events "$big" 2>&1 | grep -v '^[0-9]' | tail -2
  echo "== $big events: queries and backup, encrypted and plain"
  $s --db "$work/big.db" --lang en bench --plain-too --runs 10 | sed -n '/== encrypted \/ plain/,$p'
fi
