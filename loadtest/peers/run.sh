#!/usr/bin/env bash
# Desk and two peers, one run, the same ticket flow through each:
#   (a) a PostgreSQL job queue claimed with SELECT ... FOR UPDATE SKIP LOCKED (pg_queue.py)
#   (b) Celery on Redis (celery_queue.py)
# Same count, same payload size, WORKERS workers that do no work and record completion durably
# (Desk: sim agents with zero service time, capacity 1, FULL durability; PostgreSQL: fsync and
# synchronous_commit on; Redis: appendfsync always). Two measurements each:
#   throughput  COUNT tickets sent as fast as the client goes; first enqueue to last completion
#   paced       RATE tickets/s for PACED_SECONDS; dispatch latency, enqueue to claim by a worker
# The servers are installed from Debian and PyPI when missing, bound to loopback on free ports, kept in a
# temporary folder and stopped afterwards. Needs a release build of desk.
#   loadtest/peers/run.sh
#   COUNT=20000 BYTES=512 WORKERS=8 RATE=200 PACED_SECONDS=30 SYSTEMS="desk postgres celery" loadtest/peers/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
desk=$root/.build/release/desk
count=${COUNT:-20000}
bytes=${BYTES:-512}
workers=${WORKERS:-8}
rate=${RATE:-200}
paced_seconds=${PACED_SECONDS:-30}
paced_count=$((rate * paced_seconds))
systems=${SYSTEMS:-desk postgres celery}
venv=${PEERS_VENV:-$HOME/.cache/desk-peers-venv}

work=$(mktemp -d)
chmod 755 "$work"
results=$work/results.jsonl
stops=()
cleanup() {
  for stop in "${stops[@]}"; do eval "$stop" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

sudo_if_needed() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_need() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]} from Debian" >&2
    sudo_if_needed apt-get update -qq && sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}
python_env() {
  if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
  "$venv/bin/pip" install -q "celery==5.7.0" "redis==8.1.0" "psycopg[binary]==3.3.9" "packaging==26.2"
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

run_desk() {
  [ -x "$desk" ] || { echo "no release build: swift build -c release --product desk" >&2; exit 1; }
  local name=$1 arrival_rate=$2 seconds=$3
  # One skill, one pool of WORKERS agents at capacity 1 and zero service time, P3 only (no bots, no faults).
  cat >"$work/$name.yaml" <<YAML
name: peers-$name
duration: ${seconds}s
seed: 5
arrival: { process: constant, rate: $arrival_rate }
mix:
  priority: { P3: 1 }
  category: { billing: 1 }
  channel: { web: 1 }
body_bytes: $bytes
agents:
  - { name: worker, count: $workers, skills: [billing], tier: 1, capacity: 1, service_time: 0 }
drain: 300s
YAML
  "$desk" loadtest run "$work/$name.yaml" --out "$work/desk-$name" --log-level error >"$work/desk-$name.log" 2>&1 \
    || { tail -n 20 "$work/desk-$name.log" >&2; exit 1; }
  python3 - "$work/desk-$name/result.json" "$name" >>"$results" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
d, s = r["dispatchLatency"], r.get("streamDispatchLatency") or {}
print(json.dumps({"system": "desk", "run": sys.argv[2], "count": r["planned"], "done": r["resolved"],
                  "throughput": round(r["throughput"], 1), "audit_failed": r["auditFailed"],
                  "dispatch_ms": {k: round(d[k], 2) for k in ("p50", "p90", "p99", "max")},
                  "stream_ms": {k: round(s.get(k, 0), 2) for k in ("p50", "p90", "p99", "max")}}))
PY
}

run_postgres() {
  apt_need postgresql
  local bin; bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  local port; port=$(free_port)
  local as=()
  [ "$(id -u)" = 0 ] && as=(runuser -u postgres --)
  mkdir -p "$work/pg"
  [ "$(id -u)" = 0 ] && chown postgres "$work/pg"
  "${as[@]}" "$bin/initdb" -D "$work/pg/data" -A trust -U desk >/dev/null
  "${as[@]}" "$bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w start \
    -o "-h 127.0.0.1 -p $port -k $work/pg -c fsync=on -c synchronous_commit=on -c max_connections=200" >/dev/null
  stops+=("${as[*]} $bin/pg_ctl -D $work/pg/data -m fast stop")
  local dsn="host=127.0.0.1 port=$port user=desk dbname=postgres"
  echo "postgresql: $("$bin/postgres" --version)" >&2
  "$venv/bin/python" loadtest/peers/pg_queue.py --dsn "$dsn" --count "$count" --bytes "$bytes" --workers "$workers" \
    | sed 's/^{/{"run": "throughput", /' >>"$results"
  "$venv/bin/python" loadtest/peers/pg_queue.py --dsn "$dsn" --count "$paced_count" --bytes "$bytes" --workers "$workers" --rate "$rate" \
    | sed 's/^{/{"run": "paced", /' >>"$results"
}

run_celery() {
  apt_need redis-server
  local port; port=$(free_port)
  mkdir -p "$work/redis"
  redis-server --port "$port" --bind 127.0.0.1 --dir "$work/redis" --appendonly yes --appendfsync always --save '' \
    --daemonize no >"$work/redis/log" 2>&1 &
  local pid=$!
  stops+=("kill $pid")
  for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  echo "redis: $(redis-server --version | cut -d' ' -f3); celery: $("$venv/bin/python" -m celery --version)" >&2
  local url="redis://127.0.0.1:$port/0"
  "$venv/bin/python" loadtest/peers/celery_queue.py --redis "$url" --count "$count" --bytes "$bytes" --workers "$workers" \
    | sed 's/^{/{"run": "throughput", /' >>"$results"
  "$venv/bin/python" loadtest/peers/celery_queue.py --redis "$url" --count "$paced_count" --bytes "$bytes" --workers "$workers" --rate "$rate" \
    | sed 's/^{/{"run": "paced", /' >>"$results"
}

python_env
: >"$results"
for system in $systems; do
  echo "== $system" >&2
  case $system in
    desk)
      run_desk throughput "$count" 1      # all COUNT tickets due within the first second
      run_desk paced "$rate" "$paced_seconds" ;;
    postgres) run_postgres ;;
    celery) run_celery ;;
    *) echo "unknown system '$system': expected desk, postgres or celery" >&2; exit 2 ;;
  esac
done

echo "raw results (one JSON line per run):" >&2
cat "$results" >&2
python3 - "$results" "$count" "$workers" "$bytes" "$rate" "$paced_seconds" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
count, workers, size, rate, seconds = sys.argv[2:]
print(f"\nsame flow: {count} tickets of {size} B, {workers} workers doing no work, completion recorded durably")
print(f"| system | throughput, {count} tickets (tickets/s) | dispatch at {rate}/s for {seconds} s: p50 | p90 | p99 | max (ms) | completed |")
print("|---|---|---|---|---|---|---|")
for system in dict.fromkeys(r["system"] for r in rows):
    t = next((r for r in rows if r["system"] == system and r["run"] == "throughput"), None)
    p = next((r for r in rows if r["system"] == system and r["run"] == "paced"), None)
    d = p["dispatch_ms"] if p else {}
    done = " + ".join(f'{r["done"]}/{r["count"]}' for r in (t, p) if r)
    print(f'| {system} | {t["throughput"] if t else "-"} | {d.get("p50", "-")} | {d.get("p90", "-")} | {d.get("p99", "-")} | {d.get("max", "-")} | {done} |')
for r in rows:
    if r["system"] == "desk" and r["run"] == "paced" and "stream_ms" in r:
        s = r["stream_ms"]
        print(f'\ndesk\'s history stamps whole milliseconds; on its event stream (intake committed -> lease committed, '
              f'microseconds) the paced run measured p50 {s["p50"]} | p90 {s["p90"]} | p99 {s["p99"]} | max {s["max"]} ms')
    if r.get("audit_failed"):
        print(f'desk {r["run"]}: the audit FAILED for {r["audit_failed"]} tickets')
PY
