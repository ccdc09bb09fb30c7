#!/usr/bin/env bash
# From nothing to every test passing: installs dependencies, builds the server and the
# console, runs the whole suite and the console's browser tests, then the whole suite again
# under AddressSanitizer and UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
./scripts/build-console.sh   # includes vue-tsc's strict type check
ctest --test-dir build --output-on-failure -j"$(nproc)"
# The console end to end: a real server with the demo data, Debian's Chromium headless.
(cd web && BRANDLEDGER_BINARY="$PWD/../build/app/brandledger" npm run e2e --silent)
# The whole suite again under AddressSanitizer and UndefinedBehaviorSanitizer, in
# build-asan/ (CMakePresets.json): a use after free, a dangling view or undefined behaviour
# is a failure there, not a rare crash. The server the API tests start is that build's too.
cmake --preset asan
cmake --build build-asan -j"$(nproc)"
ctest --test-dir build-asan --output-on-failure -j"$(nproc)"
