#!/usr/bin/env bash
# The README's test command: installs what is missing, builds everything (our own warnings fail the
# run), and runs every test suite once: unit tests, integration tests on real sockets and SQLite files,
# end-to-end tests on real `desk` processes.
set -euo pipefail
cd "$(dirname "$0")/../.."
ops/scripts/install-deps.sh
ops/scripts/install-test-deps.sh

log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "desk: building (a first build compiles the dependencies: a few minutes)"
if ! swift build --build-tests >"$log" 2>&1; then
  grep -E "error:" "$log" | sort -u | head -50 >&2 || tail -50 "$log" >&2
  echo "desk: build failed" >&2
  exit 1
fi
tail -1 "$log"
# Warnings in our own code fail the run (the dependencies' warnings are theirs).
if grep -E "^$(pwd)/(Sources|Tests)/[^:]+:[0-9]+:[0-9]+: warning:" "$log" | sort -u | grep .; then
  echo "desk: warnings in Sources/ or Tests/ (treated as errors)" >&2
  exit 1
fi
# The run's own output must carry no server error lines (a server stopped by cancellation instead of a
# graceful shutdown logs "Server shutdown error"; issue 13, item 16).
# At most 12 tests at once: the end-to-end suites run real coordinators, agents and browsers with
# second-scale timings, and with every suite at once two cores starved some of them (timeouts in
# otherwise passing SLA, webhook and protocol tests).
swift test --skip-build --experimental-maximum-parallelization-width 12 2>&1 | tee "$log"
if grep -E "^[0-9T:+-]+ (error|critical) Hummingbird" "$log" | sort -u | grep .; then
  echo "desk: the test run logged server errors (above)" >&2
  exit 1
fi
