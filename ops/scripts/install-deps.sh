#!/usr/bin/env bash
# Installs the system packages Desk builds against when they are missing:
# libzmq3-dev, libsqlite3-dev, libopenblas-dev (the embedding model's matrix products), pkg-config (and a C
# compiler for the benchmark baseline).
# Uses apt-get as root, sudo otherwise; says clearly what to do when it can do neither.
set -euo pipefail

missing=()
pkg-config --version >/dev/null 2>&1 || missing+=(pkg-config)
pkg-config --exists libzmq 2>/dev/null || missing+=(libzmq3-dev)
{ pkg-config --exists sqlite3 2>/dev/null || [ -f /usr/include/sqlite3.h ]; } || missing+=(libsqlite3-dev)
pkg-config --exists openblas 2>/dev/null || missing+=(libopenblas-dev)
command -v cc >/dev/null 2>&1 || missing+=(gcc)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "desk: installing system packages: ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
  apt=(apt-get)
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  apt=(sudo apt-get)
else
  echo "desk: missing system packages: ${missing[*]}" >&2
  echo "desk: run as root or with passwordless sudo, or install them yourself: apt-get install ${missing[*]}" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "desk: apt-get not found; install these packages with your system's package manager: ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${apt[@]}" update -qq
"${apt[@]}" install -y -qq "${missing[@]}" >/dev/null
