#!/usr/bin/env bash
# The knowledge base's relevance evaluation (issue 16) on the Python FAQ that Debian's python3.11-doc ships:
# converts the FAQ into articles (loadtest/bench/kb/faq_to_articles.py), then `desk bench kb-relevance`
# prints hit@1, hit@3 and MRR for keyword, semantic and combined rankings, and how often questions the
# FAQ cannot answer would be offered a suggestion.
#   loadtest/bench/kb-relevance.sh
# Installs python3.11-doc with apt when missing; needs the embedding model (ops/scripts/install-model.sh)
# and a desk binary (DESK, default .build/release/desk; a debug build gives the same figures, slower).
set -euo pipefail
cd "$(dirname "$0")/../.."
desk=${DESK:-.build/release/desk}
[ -x "$desk" ] || { echo "no $desk: swift build -c release --product desk (or DESK=.build/debug/desk)" >&2; exit 1; }
if [ ! -d /usr/share/doc/python3.11/html/faq ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get install -y -qq python3.11-doc >/dev/null
fi
ops/scripts/install-model.sh
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
python3 loadtest/bench/kb/faq_to_articles.py "$corpus"
"$desk" bench kb-relevance --corpus "$corpus" --rewordings loadtest/bench/kb/rewordings.tsv \
  --unanswerable loadtest/bench/kb/unanswerable.txt
