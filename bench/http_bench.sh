#!/usr/bin/env bash
# HTTP throughput of a real server on loopback, measured with wrk (Debian's package):
#   commands  POST /v1/brands/{id}/progress, one durable event per request
#   reads     GET /v1/brands/{id}
#   health    GET /healthz (the transport alone)
# Each for $SECONDS_PER_RUN seconds (default 10) at $CONNECTIONS connections (default 64),
# two wrk threads, against a server with $THREADS worker threads (default 2).
# PERF_OUT=FILE also records the server with perf during the command run.
#
#   bench/http_bench.sh [build/app/brandledger]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/http_fixture.sh
BIN="${1:-build/app/brandledger}"
bl_tools

DATA="$(mktemp -d)"
bl_start server "$DATA/data" "$BIN"
SERVER=$BL_PID
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$DATA"' EXIT
BASE="http://127.0.0.1:$BL_PORT"
bl_prepare "$BASE"
bl_progress_lua "$DATA/progress.lua"

echo "wrk -t2 -c${CONNECTIONS:-64} -d${SECONDS_PER_RUN:-10}s against brandledger serve --threads ${THREADS:-2} on loopback"
bl_header endpoint
# PERF_OUT=FILE records the server with perf (call graphs) during the command run.
bl_perf_start "$SERVER"
bl_wrk commands "$BL_BRANCH" "$BASE/v1/brands/$BL_BRAND/progress" "$DATA/progress.lua"
bl_perf_stop
bl_wrk reads "$BL_COMMITTEE" "$BASE/v1/brands/$BL_BRAND"
bl_wrk health "$BL_COMMITTEE" "$BASE/healthz"
EVENTS=$(curl -sf -H "Authorization: Bearer $BL_ADMIN" "$BASE/v1/admin/verify" | bl_json "['events']")
echo "events in the log after the run: $EVENTS (chain verified)"
