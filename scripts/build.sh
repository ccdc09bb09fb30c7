#!/usr/bin/env bash
# Configures and builds into build/ (optimised, with debug info): everything, or the
# targets named (./scripts/build.sh brandledger).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}"
if (($#)); then
  cmake --build build -j"$(nproc)" --target "$@"
else
  cmake --build build -j"$(nproc)"
fi
