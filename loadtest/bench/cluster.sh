#!/usr/bin/env bash
# End-to-end cluster benchmark: a real coordinator and AGENTS real sim agents (zero service time),
# HTTP intake driven by wrk, measured on the event stream by `desk bench events`. With PROBE_RATE set,
# `desk bench dispatch` also joins as one more (idle) agent and times its own probe tickets from HTTP
# request sent to ASSIGN received, while wrk carries the load.
#   loadtest/bench/cluster.sh                 # max rate for DURATION seconds
#   RATE_DELAY_MS=10 CONNECTIONS=50 loadtest/bench/cluster.sh   # paced: 50 * 1000 / 10 = 5,000 tickets/s
#   BATCH=100 CONNECTIONS=4 loadtest/bench/cluster.sh            # batch intake: 100 tickets per POST
#   BATCH=10 CONNECTIONS=5 RATE_DELAY_MS=10 PROBE_RATE=200 loadtest/bench/cluster.sh   # paced, with probe
#   LIVE_STREAMS=200 BATCH=10 CONNECTIONS=5 RATE_DELAY_MS=10 PROBE_RATE=200 loadtest/bench/cluster.sh  # with 200 web live streams open
#   BOTS=2 BATCH=100 CONNECTIONS=4 loadtest/bench/cluster.sh   # 2 bots (capacity BOT_CAPACITY, 64) answer the account quarter with a macro
#   KNOWLEDGE_BOT=1 loadtest/bench/cluster.sh                  # the knowledge bot on, 20 articles embedded before the run
# Authentication is on as in production: wrk and the tools send an admin's API token, and the agent port
# uses CURVE with a registered key per agent (AGENT_SECURITY=plain: --plain-agents, no keys). DESK picks
# the binary (default .build/release/desk).
# Needs a release build (swift build -c release --product desk) and wrk (apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/../.."
desk=${DESK:-.build/release/desk}
security=${AGENT_SECURITY:-curve}
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

# The shipped routing, plus category probe -> skill probe for the dispatch probe's own tickets.
cat >"$data/bench.yaml" <<'YAML'
routing:
  - { category: billing, skill: billing }
  - { category: network, skill: network }
  - { category: account, skill: account }
  - { category: hardware, skill: hardware }
  - { category: probe, skill: probe }
YAML
# An admin token made straight in the store, for wrk, the macro and the dispatch probe.
DESK_TOKEN=$("$desk" token create --data "$data" --role admin --name bench 2>/dev/null)
export DESK_TOKEN
"$desk" coordinator --data "$data" --config "$data/bench.yaml" --http 127.0.0.1:0 --agents 'tcp://127.0.0.1:*' --events 'tcp://127.0.0.1:*' \
  --durability "$durability" $([ "$security" = plain ] && echo --plain-agents) $([ "${KNOWLEDGE_BOT:-0}" = 1 ] && echo --knowledge-bot) \
  --log-level warning >"$out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q '^http ' "$out" && break; sleep 0.1; done
agents_ep=$(grep '^agents ' "$out" | cut -d' ' -f2); events_ep=$(grep '^events ' "$out" | cut -d' ' -f2)
http=$(grep '^http ' "$out" | cut -d' ' -f2)
# One registered CURVE key per agent (made straight in the store, beside the running coordinator).
key() {
  [ "$security" = plain ] && return
  "$desk" agent-key create --data "$data" --agent "$1" --out "$data/keys/$1.key" >/dev/null
  echo "--key $data/keys/$1.key"
}
for i in $(seq "$agents"); do
  "$desk" agent --connect "$agents_ep" --name "bench-$i" --skills billing,network,account,hardware \
    --capacity "$capacity" --service-time 0 --log-level error $(key "bench-$i") >/dev/null 2>&1 &
  pids+=($!)
done
bots=${BOTS:-0}
if [ "$bots" -gt 0 ]; then
  # Bots answer every account ticket (a quarter of the load) with a macro and resolve it.
  cat >"$data/rules.yaml" <<'YAML'
pool: bench
rules:
  - name: account
    when: { category: account }
    then:
      - macro: bench-answer
      - resolve: answered by the bench bot
YAML
  "$desk" macro add --server "$http" --name bench-answer --reply 'Hello {{requester.name}}, ticket #{{ticket.id}} is answered.' >/dev/null
  for i in $(seq "$bots"); do
    "$desk" agent --connect "$agents_ep" --name "bench-bot-$i" --mode bot --rules "$data/rules.yaml" \
      --capacity "${BOT_CAPACITY:-64}" --log-level error $(key "bench-bot-$i") >/dev/null 2>&1 &
    pids+=($!)
  done
fi
for _ in $(seq 100); do
  [ "$(curl -s "$http/healthz" | sed 's/.*"agents":\([0-9]*\).*/\1/')" = "$(( agents + bots ))" ] && break; sleep 0.1
done
if [ "${KNOWLEDGE_BOT:-0}" = 1 ]; then
  # 20 articles, embedded before the run, so that the bot searches by meaning from the first ticket.
  mkdir -p "$data/kb"
  for i in $(seq 20); do
    printf -- '---\ntitle: "Known problem %d: the sync service stops after an update"\ncategory: bench\n---\n## Problem\nAfter update %d the sync service stops and files no longer upload.\n\n## Solution\nRestart the service and sign in again.\n' "$i" "$i" >"$data/kb/known-$i.md"
  done
  "$desk" kb import "$data/kb" --server "$http" >/dev/null
  for _ in $(seq 600); do
    curl -s -H "Authorization: Bearer $DESK_TOKEN" "$http/api/v1/kb/stats" | grep -q '"state":"ready","vectors":20,"backlog":0' && break
    sleep 0.1
  done
fi
# LIVE_STREAMS open web live-update streams (GET /live, read to their end as a browser does) during the run.
live=${LIVE_STREAMS:-0}
for _ in $(seq "$live"); do
  curl -s -N -H "Authorization: Bearer $DESK_TOKEN" "$http/live" >/dev/null 2>&1 &
  pids+=($!)
done
"$desk" bench events --endpoint "$events_ep" --quiet 3 > "$out.probe" &
probe=$!
sleep 1
echo "coordinator with $agents agents (capacity $capacity, service time 0, durability $durability, agent port $security, $live live streams); wrk -c$connections -d${duration}s delay=${RATE_DELAY_MS:-0}ms batch=$batch"
if [ -n "${PROBE_RATE:-}" ]; then
  probe_key=$(key bench-probe)
  (sleep 1; "$desk" bench dispatch --agents "$agents_ep" --events "$events_ep" --server "$http" --rate "$PROBE_RATE" $probe_key \
     --count $(( PROBE_RATE * (duration - 2) )) > "$out.dispatch") &
  probe_dispatch=$!
fi
BATCH=$batch RATE_DELAY_MS=${RATE_DELAY_MS:-0} wrk -t2 -c"$connections" -d"${duration}s" -s "$script" "$http" | grep -E "Requests/sec|Latency|requests in|Non-2xx"
wait "$probe"
cat "$out.probe"; rm -f "$out.probe"
if [ -n "${PROBE_RATE:-}" ]; then wait "$probe_dispatch"; cat "$out.dispatch"; rm -f "$out.dispatch"; fi
echo "metrics: $(curl -s "$http/metrics" | grep -E '^desk_(tickets_created|tickets_resolved|assignments|bot_claims|macros_applied|knowledge_bot_answers|knowledge_bot_skipped)_total' | tr '\n' ' ')"
