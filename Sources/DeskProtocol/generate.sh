#!/usr/bin/env bash
# Regenerates desk.pb.swift from desk.proto. Needs protoc (Debian: protobuf-compiler) and
# protoc-gen-swift built from swift-protobuf 1.39.0:
#   git clone <swift-protobuf> && cd swift-protobuf && git checkout 1.39.0 &&
#   swift build -c release --product protoc-gen-swift
# then PROTOC_GEN_SWIFT=/path/to/.build/release/protoc-gen-swift Sources/DeskProtocol/generate.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
plugin=${PROTOC_GEN_SWIFT:-$(command -v protoc-gen-swift || true)}
if [ -z "$plugin" ]; then
  echo "generate.sh: set PROTOC_GEN_SWIFT to a protoc-gen-swift binary (see the comment at the top)" >&2
  exit 1
fi
command -v protoc >/dev/null || { echo "generate.sh: protoc missing: apt-get install protobuf-compiler" >&2; exit 1; }
protoc --plugin=protoc-gen-swift="$plugin" --swift_opt=Visibility=Public \
  --proto_path="$here" --swift_out="$here" "$here/desk.proto"
echo "wrote $here/desk.pb.swift"
