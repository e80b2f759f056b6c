#!/usr/bin/env bash
# What the test suite needs beyond the build: protoc (Debian protobuf-compiler) and python3 with pyzmq
# and protobuf (PyPI), for the cross-language test of docs/PROTOCOL.md's Python agent.
set -euo pipefail
if ! command -v protoc >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then apt=(apt-get); elif sudo -n true 2>/dev/null; then apt=(sudo apt-get); else
    echo "desk: protoc missing: apt-get install protobuf-compiler (as root)" >&2; exit 1; fi
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -qq protobuf-compiler >/dev/null \
    || { DEBIAN_FRONTEND=noninteractive "${apt[@]}" update -qq && DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -qq protobuf-compiler >/dev/null; }
fi
command -v python3 >/dev/null 2>&1 || { echo "desk: python3 is needed for the tests" >&2; exit 1; }
if ! python3 -c "import zmq, google.protobuf" >/dev/null 2>&1; then
  echo "desk: installing pyzmq and protobuf for the Python protocol test" >&2
  python3 -m pip install --quiet --disable-pip-version-check pyzmq protobuf 2>&1 | grep -v "Running pip as the 'root'" || true
  python3 -c "import zmq, google.protobuf" || { echo "desk: cannot install pyzmq/protobuf" >&2; exit 1; }
fi
