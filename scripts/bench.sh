#!/usr/bin/env bash
# Measures the figures in docs/benchmarks.md: list page and search at 1,000,000 events, the dashboard at
# 100,000, cold start of the window to the first page, and release binary sizes.
#   scripts/bench.sh [EVENTS_BIG] [EVENTS_SMALL]     (defaults 1000000 and 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
big=${1:-1000000}
small=${2:-100000}
work=${BENCH_DIR:-/tmp/sotay-bench}
mkdir -p "$work"
cargo build --release -p sotay-cli -p sotay-desktop
sotay=target/release/sotay

for n in "$small" "$big"; do
  db="$work/events-$n.db"
  if [[ ! -f "$db" ]]; then
    $sotay --db "$db" init --name "Tỉnh đoàn Thử nghiệm" --code BENCH-TINH --level province >/dev/null
    $sotay --db "$db" seed --events "$n"
  fi
  echo "== $n events ($(du -h "$db" | cut -f1) on disk)"
  $sotay --db "$db" bench --runs 50
done

echo "== cold start of the window (release, one Xvfb for all runs), 10 runs"
echo "   startup_ms: process start to the page loaded in the webview; process_s: whole process, start to exit"
db="$work/startup.db"
Xvfb :77 -screen 0 1366x768x24 >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true' EXIT
sleep 1
for i in $(seq 10); do
  DISPLAY=:77 SOTAY_DB="$db" SOTAY_STARTUP_PROBE=1 WEBKIT_DISABLE_COMPOSITING_MODE=1 \
    /usr/bin/time -f "process_s=%e max_rss_kb=%M" target/release/sotay-desktop 2>&1 | grep -E "startup_ms|process_s" | tr '\n' ' '
  echo
done

echo "== release binaries"
ls -l target/release/sotay target/release/sotay-desktop | awk '{printf "%s %.1f MB\n", $9, $5/1048576}'
