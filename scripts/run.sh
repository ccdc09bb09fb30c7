#!/usr/bin/env bash
# From nothing to a running BrandLedger with the demo data: installs dependencies, builds,
# and serves ./data (or $BRANDLEDGER_DATA) on $BRANDLEDGER_LISTEN (default 127.0.0.1:8080).
# The first run loads the demo and prints how to log in: every demo user with its id and
# BRANDLEDGER_DEMO_PASSWORD (default "demo-password-for-the-tour", the README's), and a
# token per role; BRANDLEDGER_BOOTSTRAP_TOKEN (default "demo-admin-token-for-the-tour") is
# the administrator's.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh brandledger   # the server alone; the tests build with test.sh
./scripts/build-console.sh       # the browser console, served at /
export BRANDLEDGER_BOOTSTRAP_TOKEN="${BRANDLEDGER_BOOTSTRAP_TOKEN:-demo-admin-token-for-the-tour}"
export BRANDLEDGER_DEMO_PASSWORD="${BRANDLEDGER_DEMO_PASSWORD:-demo-password-for-the-tour}"
exec build/app/brandledger serve --data "${BRANDLEDGER_DATA:-data}" --demo \
  --listen "${BRANDLEDGER_LISTEN:-127.0.0.1:8080}"
