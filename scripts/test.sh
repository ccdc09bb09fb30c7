#!/usr/bin/env bash
# From nothing to every test passing: installs dependencies, builds, runs the whole suite,
# then the server's shutdown tests again under AddressSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
ctest --test-dir build --output-on-failure -j"$(nproc)"
# In build-asan/ (CMakePresets.json), building only that binary and the libraries it links:
# a use after free while a server stops is a failure there, not a rare crash.
cmake --preset asan
cmake --build build-asan -j"$(nproc)" --target api_shutdown_tests
ctest --test-dir build-asan --output-on-failure -R '^api_shutdown_tests:'
