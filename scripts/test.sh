#!/usr/bin/env bash
# From nothing to every test passing: installs dependencies, builds the server and the
# console, runs the whole suite and the console's browser tests, then the whole suite again
# under AddressSanitizer and UndefinedBehaviorSanitizer, and the engine's and the API's tests
# under ThreadSanitizer.
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
# The engine's and the API's tests under ThreadSanitizer, in build-tsan/: where the threads
# are (the writer and group commit, the server's sessions, job threads, SSE, the logging
# thread). A data race fails the test; the API tests' server is that build's too.
cmake --preset tsan
cmake --build build-tsan -j"$(nproc)" --target brandledger engine_tests api_tests \
  api_shutdown_tests api_auth_tests
TSAN_OPTIONS=halt_on_error=1 ctest --test-dir build-tsan --output-on-failure -j"$(nproc)" \
  -R '^(engine_tests|api_tests|api_shutdown_tests|api_auth_tests):'
