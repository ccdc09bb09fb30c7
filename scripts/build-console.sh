#!/usr/bin/env bash
# Builds the browser console (web/) into web/dist, which `brandledger serve` serves at /:
# npm ci from the committed lock file, then vue-tsc's type check, Vite's build and a .gz
# beside each text asset. Works with Debian 12's own nodejs (18) and npm (9).
set -euo pipefail
cd "$(dirname "$0")/../web"
major=$(node -p 'process.versions.node.split(".")[0]')
if ((major < 18)); then
  echo "build-console: Node.js 18 or newer is needed (found $(node --version))" >&2
  exit 1
fi
# Skipped when the lock file has not changed since the last install.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run build --silent
