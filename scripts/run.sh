#!/usr/bin/env bash
# From nothing to a running BrandLedger: installs dependencies, builds, and opens the data
# dir (default ./data, or $BRANDLEDGER_DATA) to report what it holds.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
data="${BRANDLEDGER_DATA:-data}"
exec build/app/brandledger stats --data "$data"
