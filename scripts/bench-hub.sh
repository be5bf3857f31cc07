#!/usr/bin/env bash
# The hub's ingest with 1, 10 and 50 installations syncing at once (50,000 events in all each time), and
# a commune's first full sync of a year of work (5,000 events), on loopback (docs/benchmarks.md).
#   scripts/bench-hub.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p sotay-cli >/dev/null 2>&1
s=$PWD/target/release/sotay
root=${BENCH_DIR:-/tmp/sotay-bench}/hub
port=${PORT:-18443}
total=${TOTAL:-50000}

# setup DIR N EVENTS_EACH: a province whose enrolment names its hub, and N communes with EVENTS_EACH events.
setup() {
  local work=$1 n=$2 each=$3
  rm -rf "$work" && mkdir -p "$work"
  $s --db "$work/p.db" init --name "Tỉnh đoàn" --code TINH --level province >/dev/null
  $s --db "$work/p.db" enroll export --out "$work/up.json" --hub "https://127.0.0.1:$port" >/dev/null
  for i in $(seq 1 "$n"); do
    local c="$work/c$i.db"
    $s --db "$c" init --name "Đoàn xã $i" --code "XA-$i" >/dev/null
    $s --db "$c" enroll import "$work/up.json" >/dev/null
    $s --db "$c" enroll export --out "$work/c$i.json" >/dev/null
    $s --db "$work/p.db" enroll import "$work/c$i.json" >/dev/null
    $s --db "$c" seed --events "$each" --batch "$each" >/dev/null 2>&1
  done
}

start_hub() {
  local work=$1
  $s --db "$work/p.db" --lang en serve --listen "127.0.0.1:$port" --log >"$work/hub.out" 2>"$work/hub.log" &
  hub=$!
  for _ in $(seq 1 100); do grep -q listening "$work/hub.out" 2>/dev/null && return; sleep 0.1; done
  echo "hub did not start" >&2; exit 1
}

echo "installations  records  taken_s  taken_per_s  bundles  p50_ms  p95_ms  applied_s  applied_per_s"
echo "  (taken: every installation has its receipt; p50/p95: time per bundle at the hub; applied: the inbox is applied too)"
for n in 1 10 50; do
  work="$root/n$n"
  setup "$work" "$n" $((total / n))
  start_hub "$work"
  t0=$(date +%s.%N)
  for i in $(seq 1 "$n"); do $s --db "$work/c$i.db" --lang en sync >"$work/c$i.out" 2>&1 & done
  wait $(jobs -p | grep -v "^$hub$") 2>/dev/null || true
  while [ "$(jobs -pr | grep -vc "^$hub$")" != "0" ]; do sleep 0.05; done
  t1=$(date +%s.%N)
  # Then until the hub has applied everything it took in (searchable, counted in its reports).
  until $s --db "$work/p.db" --lang en outbox | grep -q "waiting to be applied: 0 "; do sleep 0.1; done
  t2=$(date +%s.%N)
  kill "$hub"; wait "$hub" 2>/dev/null || true
  grep "^push " "$work/hub.log" | grep -v refused >"$work/pushes" || true
  records=$(awk '{s += $4} END {print s+0}' "$work/pushes")
  bundles=$(wc -l <"$work/pushes")
  p50=$(awk '{print $5}' "$work/pushes" | sort -n | awk '{a[NR]=$1} END {print a[int(NR*0.50+0.5)]}')
  p95=$(awk '{print $5}' "$work/pushes" | sort -n | awk '{a[NR]=$1} END {i=int(NR*0.95+0.5); if (i<1) i=1; print a[i]}')
  wall=$(echo "$t1 - $t0" | bc)
  applied_wall=$(echo "$t2 - $t0" | bc)
  printf "%13s  %7s  %7.2f  %11.0f  %7s  %6s  %6s  %9.2f  %13.0f\n" "$n" "$records" "$wall" "$(echo "$records / $wall" | bc -l)" \
    "$bundles" "$p50" "$p95" "$applied_wall" "$(echo "$records / $applied_wall" | bc -l)"
  failed=$(grep -L "synced:" "$work"/c*.out | wc -l)
  [ "$failed" = "0" ] || echo "  $failed installation(s) did not finish: see $work/c*.out"
done

echo
echo "== a commune's first full sync of a year of work (5,000 events) on loopback"
work="$root/year"
setup "$work" 1 5000
start_hub "$work"
/usr/bin/time -f "  %e s wall, peak RSS %M KB (the agent)" $s --db "$work/c1.db" sync 2>&1 | tail -2
kill "$hub"; wait "$hub" 2>/dev/null || true
