#!/usr/bin/env bash
# The web app's pages with a big store: TICKETS (default 1,000,000) resolved tickets with three history
# events each, written straight into a new store with sqlite3, plus QUEUED open tickets through the API;
# then wrk times the staff ticket page (GET /work/tickets/{random id}) and the queue page (GET /work,
# an agent's desk open) for DURATION seconds each, with CONNECTIONS connections.
#   loadtest/bench/pages.sh
# Needs a release build (swift build -c release --product desk), wrk and sqlite3 (apt-get install wrk sqlite3).
set -euo pipefail
cd "$(dirname "$0")/../.."
desk=${DESK:-.build/release/desk}
tickets=${TICKETS:-1000000}
queued=${QUEUED:-2000}
duration=${DURATION:-10}
connections=${CONNECTIONS:-4}
for tool in wrk sqlite3; do command -v $tool >/dev/null || { echo "$tool missing: apt-get install $tool" >&2; exit 1; }; done
data=$(mktemp -d)
out=$(mktemp)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$data" "$out"; }
trap cleanup EXIT

DESK_TOKEN=$("$desk" token create --data "$data" --role admin --name bench 2>/dev/null)
AGENT_TOKEN=$("$desk" token create --data "$data" --role agent --name pat 2>/dev/null)
now=$(( $(date +%s) * 1000 ))
start=$(date +%s)
sqlite3 "$data/desk.sqlite" >/dev/null <<SQL
PRAGMA journal_mode = WAL;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $tickets)
INSERT INTO tickets (id, subject, body, requester, priority, category, channel, tags, status, tier, skill,
                     created_at, updated_at, first_response_at, resolved_at)
SELECT i, 'Ticket ' || i || ': the printer on floor ' || (i % 7) || ' jams',
       'It jams on A3 paper since the update. ' || hex(randomblob(100)), 'customer' || (i % 5000) || '@example.com',
       1 + i % 4, '', 'api', '[]', 'resolved', 1, '',
       $now - ($tickets - i) * 1000 - 7200000, $now - ($tickets - i) * 1000, $now - ($tickets - i) * 1000 - 3600000,
       $now - ($tickets - i) * 1000
FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $tickets)
INSERT INTO ticket_events (ticket_id, at, actor, kind, detail)
SELECT i, created_at, 'api', 'created', '{"priority":"P3"}' FROM tickets JOIN n ON n.i = tickets.id
UNION ALL SELECT i, first_response_at, 'agent:bench', 'replied', '{"body":"Use the tray bypass until the fix."}' FROM tickets JOIN n ON n.i = tickets.id
UNION ALL SELECT i, resolved_at, 'agent:bench', 'resolved', '{"epoch":1,"resolution":"fixed"}' FROM tickets JOIN n ON n.i = tickets.id;
COMMIT;
SQL
echo "store: $tickets resolved tickets, $(( tickets * 3 )) events, written in $(( $(date +%s) - start )) s"
"$desk" coordinator --data "$data" --http 127.0.0.1:0 --agents 'tcp://127.0.0.1:*' --events 'tcp://127.0.0.1:*' \
  --log-level warning >"$out" 2>&1 &
pids+=($!)
for _ in $(seq 300); do grep -q '^http ' "$out" && break; sleep 0.1; done
http=$(grep '^http ' "$out" | cut -d' ' -f2)
[ -n "$http" ] || { cat "$out" >&2; exit 1; }
# Open tickets for the queue page (no agent takes them: the only desk is pat's, opened below, at capacity 5).
batch=$(python3 -c "import json; print(json.dumps({'tickets': [{'subject': 'queued %d' % i, 'body': 'waiting', 'requester': 'q%d@example.com' % i} for i in range(500)]}))")
for _ in $(seq $(( queued / 500 ))); do
  curl -s -o /dev/null -H "Authorization: Bearer $DESK_TOKEN" -H 'Content-Type: application/json' -d "$batch" "$http/api/v1/tickets/batch"
done
curl -s -o /dev/null -H "Authorization: Bearer $AGENT_TOKEN" "$http/work"
echo "ticket page: GET /work/tickets/{random id of $tickets} as an admin"
TICKETS=$tickets DESK_TOKEN=$DESK_TOKEN wrk -t2 -c"$connections" -d"${duration}s" --latency -s loadtest/bench/ticket_page.lua "$http" \
  | grep -E "Requests/sec|  50%|  99%|Non-2xx|requests in"
echo "queue page: GET /work as agent pat (the 50 oldest of $queued queued tickets, pat's own)"
wrk -t2 -c"$connections" -d"${duration}s" --latency -H "Authorization: Bearer $AGENT_TOKEN" "$http/work" \
  | grep -E "Requests/sec|  50%|  99%|Non-2xx|requests in"
