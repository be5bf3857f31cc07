#!/usr/bin/env bash
# Export and import of N events between a commune and its province (docs/benchmarks.md):
# time, rate, peak memory and bundle bytes, against a plain rusqlite loop as the baseline.
#   scripts/bench-sync.sh [EVENTS]    (default 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
work=${BENCH_DIR:-/tmp/sotay-bench}/sync-$n
rm -rf "$work" && mkdir -p "$work"
cargo build --release -p sotay-cli >/dev/null 2>&1
s=target/release/sotay
t() { /usr/bin/time -f "  %e s, peak RSS %M KB" "$@"; }

$s --db "$work/p.db" init --name "Tỉnh đoàn" --code TINH --level province >/dev/null
$s --db "$work/a.db" init --name "Đoàn xã A" --code XA-A >/dev/null
$s --db "$work/p.db" enroll export --out "$work/up.json" >/dev/null
$s --db "$work/a.db" enroll import "$work/up.json" >/dev/null
$s --db "$work/a.db" enroll export --out "$work/down.json" >/dev/null
$s --db "$work/p.db" enroll import "$work/down.json" >/dev/null
echo "== seed $n events at the commune"
t $s --db "$work/a.db" seed --events "$n" 2>&1 | grep -v '^[0-9]' | tail -2
cp "$work/p.db" "$work/p-empty.db"

echo "== export (bundles of 20,000 changes)"
t $s --db "$work/a.db" export --out "$work/stick" 2>&1 | tail -2
echo "  bundle bytes: $(du -cb "$work"/stick/*.bundle.json | tail -1 | cut -f1) in $(ls "$work"/stick/*.bundle.json | wc -l) files"
echo "== import into the province"
t $s --db "$work/p.db" import "$work"/stick/*.bundle.json 2>&1 | tail -1
echo "== import the same bundles again"
t $s --db "$work/p.db" import "$work"/stick/*.bundle.json 2>&1 | tail -1
echo "== baseline 2 (for scale): the change rows into a bare table, plain rusqlite loop, one transaction per bundle"
start=$(date +%s.%N)
for b in "$work"/stick/*.bundle.json; do $s --db "$work/p.db" bench-baseline "$b" "$work/baseline.db" >/dev/null; done
end=$(date +%s.%N)
echo "  $(echo "$end - $start" | bc) s for all bundles"
echo "== baseline 1 (the goal's): the same rows into Sotay's schema (records, search, event numbers, change log), plain loop"
start=$(date +%s.%N)
for b in "$work"/stick/*.bundle.json; do $s --db "$work/p.db" bench-baseline --schema "$b" "$work/baseline-schema.db" >/dev/null; done
end=$(date +%s.%N)
echo "  $(echo "$end - $start" | bc) s for all bundles"
