#!/usr/bin/env bash
# Where the CPU goes while loadtest/bench/cluster.sh runs: samples every CPU for SECONDS (default 3)
# with perf and splits the samples between the coordinator, the agents, wrk and idle.
#   DURATION=10 loadtest/bench/cluster.sh & sleep 5; loadtest/bench/cpushare.sh
# Needs perf (apt-get install linux-perf) and the right to sample all CPUs (root, or perf_event_paranoid <= 0).
set -euo pipefail
seconds=${SECONDS_TO_SAMPLE:-3}
data=$(mktemp)
trap 'rm -f "$data"' EXIT
perf record -a -F 999 -o "$data" -- sleep "$seconds" >/dev/null 2>&1
coordinator=$(pgrep -f 'desk coordinator' | head -1)
agents=" $(pgrep -f 'desk agent' | tr '\n' ' ') "
cores=$(nproc)
perf script -i "$data" -F pid,comm 2>/dev/null | awk -v cp="$coordinator" -v ag="$agents" -v cores="$cores" '
  { p = $NF; if (p == cp) c++; else if (index(ag, " " p " ")) a++; else if ($1 == "wrk") w++;
    else if ($1 == "swapper") i++; else o++; n++ }
  END { printf "coordinator %.2f cores, agents %.2f, wrk %.2f, idle %.2f, other %.2f\n",
        cores*c/n, cores*a/n, cores*w/n, cores*i/n, cores*o/n }'
