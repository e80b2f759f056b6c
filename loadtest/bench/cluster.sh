#!/usr/bin/env bash
# End-to-end cluster benchmark: a real coordinator and AGENTS real sim agents (zero service time),
# HTTP intake driven by wrk, measured on the event stream by `desk bench events`.
#   loadtest/bench/cluster.sh                 # max rate for DURATION seconds
#   RATE_DELAY_MS=10 CONNECTIONS=50 loadtest/bench/cluster.sh   # paced: 50 * 1000 / 10 = 5,000 tickets/s
#   BATCH=100 CONNECTIONS=4 loadtest/bench/cluster.sh            # batch intake: 100 tickets per POST
# Needs a release build (swift build -c release --product desk) and wrk (apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/../.."
desk=.build/release/desk
agents=${AGENTS:-50}
duration=${DURATION:-10}
connections=${CONNECTIONS:-64}
capacity=${CAPACITY:-2}
durability=${DURABILITY:-full}
batch=${BATCH:-0}
script=loadtest/bench/post.lua; [ "$batch" -gt 0 ] && script=loadtest/bench/post_batch.lua
command -v wrk >/dev/null || { echo "wrk missing: apt-get install wrk" >&2; exit 1; }
data=$(mktemp -d)
out=$(mktemp)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$data" "$out"; }
trap cleanup EXIT

"$desk" coordinator --data "$data" --http 127.0.0.1:0 --agents 'tcp://127.0.0.1:*' --events 'tcp://127.0.0.1:*' \
  --durability "$durability" --log-level warning >"$out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q '^http ' "$out" && break; sleep 0.1; done
agents_ep=$(grep '^agents ' "$out" | cut -d' ' -f2); events_ep=$(grep '^events ' "$out" | cut -d' ' -f2)
http=$(grep '^http ' "$out" | cut -d' ' -f2)
for i in $(seq "$agents"); do
  "$desk" agent --connect "$agents_ep" --name "bench-$i" --skills billing,network,account,hardware \
    --capacity "$capacity" --service-time 0 --log-level error >/dev/null 2>&1 &
  pids+=($!)
done
for _ in $(seq 100); do
  [ "$(curl -s "$http/healthz" | sed 's/.*"agents":\([0-9]*\).*/\1/')" = "$agents" ] && break; sleep 0.1
done
"$desk" bench events --endpoint "$events_ep" --quiet 3 > "$out.probe" &
probe=$!
sleep 1
echo "coordinator with $agents agents (capacity $capacity, service time 0, durability $durability); wrk -c$connections -d${duration}s delay=${RATE_DELAY_MS:-0}ms batch=$batch"
BATCH=$batch RATE_DELAY_MS=${RATE_DELAY_MS:-0} wrk -t2 -c"$connections" -d"${duration}s" -s "$script" "$http" | grep -E "Requests/sec|Latency|requests in|Non-2xx"
wait "$probe"
cat "$out.probe"; rm -f "$out.probe"
echo "metrics: $(curl -s "$http/metrics" | grep -E '^desk_(tickets_created|tickets_resolved|assignments)_total' | tr '\n' ' ')"
