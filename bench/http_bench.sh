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
BIN="${1:-build/app/brandledger}"
SECONDS_PER_RUN="${SECONDS_PER_RUN:-10}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
# What the script itself runs, from Debian's archive when missing (the build needs none).
missing=()
for tool in wrk curl python3; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if ((${#missing[@]})); then
  sudo=""; [[ $(id -u) -ne 0 ]] && sudo=sudo
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

DATA="$(mktemp -d)"
PORT=$((20000 + RANDOM % 20000))
BASE="http://127.0.0.1:$PORT"
ADMIN=bench-admin-token-0123456789
BRANDLEDGER_BOOTSTRAP_TOKEN=$ADMIN "$BIN" serve --data "$DATA/data" --listen "127.0.0.1:$PORT" \
  --threads "$THREADS" --log-format json > "$DATA/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 50); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.1; done

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
post() { curl -sf -H "Authorization: Bearer $1" -H 'Content-Type: application/json' -X POST "$BASE$2" -d "$3"; }
post $ADMIN /v1/orgs '{"id":"wc","name":"宣城市直机关工委","kind":"committee"}' >/dev/null
post $ADMIN /v1/orgs '{"id":"u1","name":"市政府机关党委","kind":"unit","parent":"wc"}' >/dev/null
post $ADMIN /v1/orgs '{"id":"b1","name":"市政府机关第一党支部","kind":"branch","parent":"u1"}' >/dev/null
COMMITTEE=$(post $ADMIN /v1/users '{"id":"c1","name":"张主任","role":"committee","org":"wc"}' | json "['token']")
UNIT=$(post $ADMIN /v1/users '{"id":"u1","name":"王书记","role":"unit","org":"u1"}' | json "['token']")
BRANCH=$(post $ADMIN /v1/users '{"id":"s1","name":"赵书记","role":"branch","org":"b1"}' | json "['token']")
ID=$(post "$BRANCH" /v1/brands '{"name":"坚强前哨·巩固后院","theme":"t","connotation":"c","features":"f","effects":"e"}' | json "['id']")
post "$BRANCH" "/v1/brands/$ID/submit" '{}' >/dev/null
post "$UNIT" "/v1/brands/$ID/approve" '{"comment":"材料齐全，同意报送机关工委备案。"}' >/dev/null
post "$COMMITTEE" "/v1/brands/$ID/file" '{"comment":"经审核，符合党建品牌备案条件，予以备案。"}' >/dev/null

cat > "$DATA/progress.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"year":2031,"summary":"年度自评：品牌创建稳步推进"}'
wrk.headers["Content-Type"] = "application/json"
LUA

run() {  # name, token, path, [lua]
  local args=(-t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -H "Authorization: Bearer $2")
  [[ -n "${4:-}" ]] && args+=(-s "$4")
  local out; out=$(wrk "${args[@]}" "$BASE$3")
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  printf "%-10s %12s %10s %10s %8s\n" "$1" "$rps" "$p50" "$p99" "${errors:-0}"
}
echo "wrk -t2 -c$CONNECTIONS -d${SECONDS_PER_RUN}s against brandledger serve --threads $THREADS on loopback"
printf "%-10s %12s %10s %10s %8s\n" "endpoint" "requests/s" "p50" "p99" "non-2xx"
# PERF_OUT=FILE records the server with perf (call graphs) during the command run.
if [[ -n "${PERF_OUT:-}" ]]; then
  perf record --call-graph dwarf,16384 -F 499 -p "$SERVER" -o "$PERF_OUT" >/dev/null 2>&1 &
  PERF=$!
  sleep 0.5
fi
run commands "$BRANCH" "/v1/brands/$ID/progress" "$DATA/progress.lua"
if [[ -n "${PERF_OUT:-}" ]]; then kill -INT $PERF; wait $PERF || true; fi
run reads "$COMMITTEE" "/v1/brands/$ID"
run health "$COMMITTEE" "/healthz"
EVENTS=$(curl -sf -H "Authorization: Bearer $ADMIN" "$BASE/v1/admin/verify" | json "['events']")
echo "events in the log after the run: $EVENTS (chain verified)"
