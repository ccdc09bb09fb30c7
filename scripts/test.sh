#!/usr/bin/env bash
# From nothing to every test passing: installs dependencies, builds, runs the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
ctest --test-dir build --output-on-failure -j"$(nproc)"
