#!/usr/bin/env bash
# The national year (issue 16, docs/benchmarks.md): AGENTS lower installations (provinces relaying their
# communes: UNITS communes each) push EVENTS events and PLANS plans + PLANS practices in all, at once, into
# two `sotay serve --store` processes on one PostgreSQL; then the same workload (copies of the same
# databases) into one SQLite hub; then the national year report and a province's quarter over PostgreSQL.
# Everything on loopback on this machine: PostgreSQL, the hubs and every agent share its cores.
#   scripts/bench-national.sh            # 200 agents, 700,000 events, 40,000 plans and practices
#   AGENTS=20 EVENTS=70000 PLANS=4000 scripts/bench-national.sh   # a tenth, to try it
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p sotay-cli >/dev/null 2>&1
s=$PWD/target/release/sotay
agents=${AGENTS:-200}
events=${EVENTS:-700000}
plans=${PLANS:-40000}
units=${UNITS:-17}
root=${BENCH_DIR:-/tmp/sotay-bench}/national
port_a=${PORT:-18543}
port_b=$((port_a + 1))
port_lite=$((port_a + 2))
port_status=$((port_a + 3))
port_pg=$((port_a + 4))
each=$((events / agents))
plans_each=$((plans / 2 / agents))
export SOTAY_PASSPHRASE="mật khẩu đo hiệu năng"
pgbin=/usr/lib/postgresql/15/bin
[ -x "$pgbin/initdb" ] || { echo "PostgreSQL 15 is missing: scripts/setup.sh test installs it" >&2; exit 1; }

as_pg() { if [ "$(id -u)" = 0 ]; then setpriv --reuid=postgres --regid=postgres --init-groups "$@"; else "$@"; fi; }
now() { date +%s.%N; }

rm -rf "$root" && mkdir -p "$root/agents"
echo "== setting up: $agents agents × $each events, $plans_each plans and $plans_each practices each, $units communes each"
t=$(now)
$s --db "$root/national.db" init --name "Trung ương Đoàn" --code TW --level central >/dev/null 2>&1
$s --db "$root/national.db" enroll export --out "$root/up.json" --hub "https://127.0.0.1:$port_a" >/dev/null
one_agent() {
  local i=$1 a="$root/agents/a$1.db"
  $s --db "$a" init --name "Tỉnh đoàn $i" --code "TINH-$i" --level province >/dev/null 2>&1
  $s --db "$a" enroll import "$root/up.json" >/dev/null
  $s --db "$a" enroll export --out "$root/agents/a$i.json" >/dev/null
  $s --db "$a" seed --events "$each" --batch "$each" --units "$units" --year 2025 --plans "$plans_each" >/dev/null 2>&1
  $s --db "$a" key add-file "$root/agents/a$i.hub-key" >/dev/null
}
export -f one_agent; export s root each units plans_each
seq 1 "$agents" | xargs -P 2 -I{} bash -c 'one_agent {}'
for i in $(seq 1 "$agents"); do $s --db "$root/national.db" enroll import "$root/agents/a$i.json" >/dev/null; done
$s --db "$root/national.db" key add-file "$root/national.hub-key" >/dev/null
# The SQLite run starts from the same databases.
mkdir -p "$root/lite"
cp "$root/national.db" "$root/national.db.key" "$root/lite/"
for i in $(seq 1 "$agents"); do cp "$root/agents/a$i.db" "$root/agents/a$i.db.key" "$root/lite/"; done
echo "  set up in $(echo "$(now) - $t" | bc) s"

# PostgreSQL 15 in a folder of its own.
pgdir=$(mktemp -d /tmp/sotay-bench-pg.XXXX)
[ "$(id -u)" = 0 ] && chown postgres:postgres "$pgdir"
as_pg "$pgbin/initdb" -D "$pgdir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$pgbin/postgres" -D "$pgdir/data" -c listen_addresses=127.0.0.1 -p "$port_pg" -k "$pgdir" \
  -c shared_buffers=1GB -c max_wal_size=4GB -c max_connections=200 >"$root/postgres.log" 2>&1 &
pg=$!
trap 'kill $(jobs -p) 2>/dev/null || true; sleep 1; rm -rf "$pgdir"' EXIT
for _ in $(seq 1 100); do as_pg "$pgbin/pg_isready" -h 127.0.0.1 -p "$port_pg" -q && break; sleep 0.1; done
as_pg "$pgbin/createdb" -h 127.0.0.1 -p "$port_pg" -U postgres national
url="postgresql://postgres@127.0.0.1:$port_pg/national"
$s --db "$root/national.db" --key-file "$root/national.hub-key" hub adopt --store "$url" >/dev/null

# pushes FILE: records, bundles, p50 and p95 ms per bundle from hub logs ("push WHO STATUS N MS").
pushes() { cat "$@" | grep "^push " | grep -v refused >"$root/pushes" || true
  local records bundles p50 p95
  records=$(awk '{s += $4} END {print s+0}' "$root/pushes"); bundles=$(wc -l <"$root/pushes")
  p50=$(awk '{print $5}' "$root/pushes" | sort -n | awk '{a[NR]=$1} END {print a[int(NR*0.50+0.5)]}')
  p95=$(awk '{print $5}' "$root/pushes" | sort -n | awk '{a[NR]=$1} END {i=int(NR*0.95+0.5); if (i<1) i=1; print a[i]}')
  echo "$records $bundles $p50 $p95"; }

# agents DIR PORT_ODD PORT_EVEN: every agent syncs at once, odd ones to one hub process, even to the other.
run_agents() {
  local dir=$1 p1=$2 p2=$3 pids=()
  for i in $(seq 1 "$agents"); do
    local port=$p1; [ $((i % 2)) = 0 ] && port=$p2
    $s --db "$dir/a$i.db" --key-file "$root/agents/a$i.hub-key" --lang en sync --hub "https://127.0.0.1:$port" >"$dir/a$i.out" 2>&1 &
    pids+=($!)
  done
  wait "${pids[@]}" || true
}

echo
echo "store       processes  records  taken_s  taken_per_s  bundles  p50_ms  p95_ms  applied_s  applied_per_s"
env -u SOTAY_PASSPHRASE $s --lang en serve --listen "127.0.0.1:$port_a" --store "$url" --log --status "127.0.0.1:$port_status" >"$root/hub-a.out" 2>"$root/hub-a.log" &
ha=$!
env -u SOTAY_PASSPHRASE $s --lang en serve --listen "127.0.0.1:$port_b" --store "$url" --log >"$root/hub-b.out" 2>"$root/hub-b.log" &
hb=$!
for _ in $(seq 1 100); do grep -q listening "$root/hub-a.out" 2>/dev/null && grep -q listening "$root/hub-b.out" 2>/dev/null && break; sleep 0.1; done
t0=$(now)
run_agents "$root/agents" "$port_a" "$port_b"
t1=$(now)
until curl -s "http://127.0.0.1:$port_status/status" | grep -q '"pending_bundles":0'; do sleep 0.2; done
t2=$(now)
read -r records bundles p50 p95 <<<"$(pushes "$root/hub-a.log" "$root/hub-b.log")"
taken=$(echo "$t1 - $t0" | bc); applied=$(echo "$t2 - $t0" | bc)
printf "%-10s  %9s  %7s  %7.1f  %11.0f  %7s  %6s  %6s  %9.1f  %13.0f\n" postgresql 2 "$records" "$taken" "$(echo "$records / $taken" | bc -l)" "$bundles" "$p50" "$p95" "$applied" "$(echo "$records / $applied" | bc -l)"
failed=$(grep -L "synced:" "$root"/agents/a*.out | wc -l || true); [ "$failed" = "0" ] || echo "  $failed agent(s) did not finish: see $root/agents/a*.out"
curl -s "http://127.0.0.1:$port_status/status"; echo

# The same workload into one SQLite hub.
env -u SOTAY_PASSPHRASE $s --db "$root/lite/national.db" --key-file "$root/national.hub-key" --lang en serve --listen "127.0.0.1:$port_lite" --log >"$root/hub-lite.out" 2>"$root/hub-lite.log" &
hl=$!
for _ in $(seq 1 100); do grep -q listening "$root/hub-lite.out" 2>/dev/null && break; sleep 0.1; done
t0=$(now)
run_agents "$root/lite" "$port_lite" "$port_lite"
t1=$(now)
until $s --db "$root/lite/national.db" --key-file "$root/national.hub-key" --lang en outbox | grep -q "waiting to be applied: 0 "; do sleep 0.5; done
t2=$(now)
kill "$hl"; wait "$hl" 2>/dev/null || true
read -r records bundles p50 p95 <<<"$(pushes "$root/hub-lite.log")"
taken=$(echo "$t1 - $t0" | bc); applied=$(echo "$t2 - $t0" | bc)
printf "%-10s  %9s  %7s  %7.1f  %11.0f  %7s  %6s  %6s  %9.1f  %13.0f\n" sqlite 1 "$records" "$taken" "$(echo "$records / $taken" | bc -l)" "$bundles" "$p50" "$p95" "$applied" "$(echo "$records / $applied" | bc -l)"

echo
echo "== reports over PostgreSQL (best of 3, the whole command: connect, read, roll up, print JSON)"
best() { local b=999; for _ in 1 2 3; do local a; a=$(now); "$@" >/dev/null; local e; e=$(echo "$(now) - $a" | bc); b=$(echo "if ($e < $b) $e else $b" | bc); done; echo "$b"; }
echo "  national year 2025:     $(best $s --lang en report --store "$url" --period 2025 --json) s"
echo "  a province, 2025 Q2:    $(best $s --lang en report --store "$url" --unit TINH-1 --period 2025Q2 --json) s"
echo "  (SQLite hub, same year: $(best $s --db "$root/lite/national.db" --key-file "$root/national.hub-key" --lang en report --period 2025 --json) s)"
echo "== the same reports as the window makes them (one connection kept open; median and p95 of 10)"
$s --lang en bench --store "$url" --runs 10
as_pg "$pgbin/psql" -h 127.0.0.1 -p "$port_pg" -U postgres -d national -Atc \
  "SELECT 'database size ' || pg_size_pretty(pg_database_size('national')) || ', events ' || (SELECT count(*) FROM records WHERE kind = 'event')"
echo "== sotay hub check (every record recomputed from its log and compared)"
ct0=$(now); $s --lang en hub check --store "$url"; echo "  ($(echo "$(now) - $ct0" | bc) s)"
