#!/usr/bin/env bash
# From nothing to every test passing: installs dependencies, builds the server and the
# console, runs the whole suite and the console's browser tests, then the server's shutdown
# tests again under AddressSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
./scripts/build-console.sh   # includes vue-tsc's strict type check
ctest --test-dir build --output-on-failure -j"$(nproc)"
# The console end to end: a real server with the demo data, Debian's Chromium headless.
(cd web && BRANDLEDGER_BINARY="$PWD/../build/app/brandledger" npm run e2e --silent)
# In build-asan/ (CMakePresets.json), building only that binary and the libraries it links:
# a use after free while a server stops is a failure there, not a rare crash.
cmake --preset asan
cmake --build build-asan -j"$(nproc)" --target api_shutdown_tests
ctest --test-dir build-asan --output-on-failure -R '^api_shutdown_tests:'
