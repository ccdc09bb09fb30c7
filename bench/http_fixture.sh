# Shared by the HTTP benchmarks (sourced, not run): the tools they need, a server started on
# a free loopback port, a filed brand with its branch's token, and one wrk run printed as a
# table row.

# What the scripts run, from Debian's archive when missing (the build needs none of it).
bl_tools() {
  local missing=() tool
  for tool in wrk curl python3 "$@"; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  if ((${#missing[@]})); then
    local sudo=""; [[ $(id -u) -ne 0 ]] && sudo=sudo
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
}

BL_ADMIN=bench-admin-token-0123456789
bl_json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

# bl_start NAME DATA_DIR BIN [serve options...]: starts `BIN serve` on a free port; sets
# BL_PORT and BL_PID; its log is DATA_DIR.log.
bl_start() {
  local name=$1 data=$2 bin=$3
  shift 3
  BL_PORT=$((20000 + RANDOM % 20000))
  BRANDLEDGER_BOOTSTRAP_TOKEN=$BL_ADMIN "$bin" serve --data "$data" \
    --listen "127.0.0.1:$BL_PORT" --threads "${THREADS:-2}" --log-format json "$@" \
    > "$data.log" 2>&1 &
  BL_PID=$!
  # (A replicated node first waits for its JetStream cluster to elect its leaders.)
  for _ in $(seq 600); do curl -sf "http://127.0.0.1:$BL_PORT/healthz" >/dev/null && return; sleep 0.1; done
  echo "$name did not start:" >&2
  tail -5 "$data.log" >&2
  return 1
}

bl_post() {  # token, base, path, body
  curl -sf -H "Authorization: Bearer $1" -H 'Content-Type: application/json' -X POST "$2$3" -d "$4"
}

# bl_prepare BASE: a unit, a branch, users of the committee, the unit and the branch, and a
# filed brand of the branch; sets BL_COMMITTEE, BL_BRANCH (tokens) and BL_BRAND (its id).
bl_prepare() {
  local base=$1 unit
  bl_post $BL_ADMIN "$base" /v1/orgs '{"id":"wc","name":"宣城市直机关工委","kind":"committee"}' >/dev/null
  bl_post $BL_ADMIN "$base" /v1/orgs '{"id":"u1","name":"市政府机关党委","kind":"unit","parent":"wc"}' >/dev/null
  bl_post $BL_ADMIN "$base" /v1/orgs '{"id":"b1","name":"市政府机关第一党支部","kind":"branch","parent":"u1"}' >/dev/null
  BL_COMMITTEE=$(bl_post $BL_ADMIN "$base" /v1/users '{"id":"c1","name":"张主任","role":"committee","org":"wc"}' | bl_json "['token']")
  unit=$(bl_post $BL_ADMIN "$base" /v1/users '{"id":"u1","name":"王书记","role":"unit","org":"u1"}' | bl_json "['token']")
  BL_BRANCH=$(bl_post $BL_ADMIN "$base" /v1/users '{"id":"s1","name":"赵书记","role":"branch","org":"b1"}' | bl_json "['token']")
  BL_BRAND=$(bl_post "$BL_BRANCH" "$base" /v1/brands '{"name":"坚强前哨·巩固后院","theme":"t","connotation":"c","features":"f","effects":"e"}' | bl_json "['id']")
  bl_post "$BL_BRANCH" "$base" "/v1/brands/$BL_BRAND/submit" '{}' >/dev/null
  bl_post "$unit" "$base" "/v1/brands/$BL_BRAND/approve" '{"comment":"材料齐全，同意报送机关工委备案。"}' >/dev/null
  bl_post "$BL_COMMITTEE" "$base" "/v1/brands/$BL_BRAND/file" '{"comment":"经审核，符合党建品牌备案条件，予以备案。"}' >/dev/null
}

# The body of a durable command: a progress report (POST /v1/brands/{id}/progress).
bl_progress_lua() {
  cat > "$1" <<'LUA'
wrk.method = "POST"
wrk.body = '{"year":2031,"summary":"年度自评：品牌创建稳步推进"}'
wrk.headers["Content-Type"] = "application/json"
LUA
}

# bl_perf_start PID / bl_perf_stop: with PERF_OUT=FILE, records PID with perf (call graphs)
# between the two; without it, nothing.
bl_perf_start() {
  [[ -n "${PERF_OUT:-}" ]] || return 0
  perf record --call-graph dwarf,16384 -F 499 -p "$1" -o "$PERF_OUT" >/dev/null 2>&1 &
  BL_PERF=$!
  sleep 0.5
}
bl_perf_stop() {
  [[ -n "${PERF_OUT:-}" ]] || return 0
  kill -INT "$BL_PERF"
  wait "$BL_PERF" || true
}

bl_header() { printf "%-22s %12s %10s %10s %8s\n" "$1" "requests/s" "p50" "p99" "non-2xx"; }

# bl_wrk NAME TOKEN URL [LUA]: one wrk run of $SECONDS_PER_RUN s at $CONNECTIONS connections.
bl_wrk() {
  local args=(-t2 -c"${CONNECTIONS:-64}" -d"${SECONDS_PER_RUN:-10}s" --latency -H "Authorization: Bearer $2")
  [[ -n "${4:-}" ]] && args+=(-s "$4")
  local out rps p50 p99 errors
  out=$(wrk "${args[@]}" "$3")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  printf "%-22s %12s %10s %10s %8s\n" "$1" "$rps" "$p50" "$p99" "${errors:-0}"
}

# A throwaway PostgreSQL 15 cluster (Debian's) under DIR/pg, on a unix socket only, fsync
# and synchronous_commit on (its defaults, said); bl_pg_stop DIR removes nothing but stops
# it. DIR must be readable by the postgres user (it runs as its own user). Sets BL_PG_PORT;
# bl_psql runs psql against it as postgres.
BL_PG=/usr/lib/postgresql/15/bin
bl_pg_start() {
  local dir=$1 connections=${2:-20}
  [[ -x "$BL_PG/initdb" ]] || { echo "needs PostgreSQL 15 (apt-get install postgresql)" >&2; return 2; }
  mkdir -p "$dir/pg" "$dir/pgsock" "$dir/pgrun"
  chown postgres "$dir/pg" "$dir/pgsock" "$dir/pgrun"
  BL_PG_PORT=$((40000 + RANDOM % 20000))
  BL_PG_DIR=$dir
  runuser -u postgres -- "$BL_PG/initdb" -D "$dir/pg" -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  runuser -u postgres -- "$BL_PG/pg_ctl" -D "$dir/pg" -l "$dir/pgrun/pg.log" -w start \
    -o "-p $BL_PG_PORT -k $dir/pgsock -c listen_addresses='' -c fsync=on -c synchronous_commit=on -c max_connections=$((connections + 10)) -c shared_buffers=256MB -c maintenance_work_mem=1GB" >/dev/null
}
bl_pg_stop() {
  [[ -d "$1/pg" ]] && runuser -u postgres -- "$BL_PG/pg_ctl" -D "$1/pg" -m immediate stop >/dev/null 2>&1 || true
}
bl_psql() { runuser -u postgres -- "$BL_PG/psql" -h "$BL_PG_DIR/pgsock" -p "$BL_PG_PORT" -qAtX -v ON_ERROR_STOP=1 "$@"; }

# bl_workdir: a scratch dir, BL_WORK (readable by PostgreSQL's user, which runs a cluster
# under it), removed on exit, with the processes in BL_PIDS killed and the cluster stopped.
bl_workdir() {
  BL_WORK="$(mktemp -d)"
  chmod 755 "$BL_WORK"
  BL_PIDS=()
  trap bl_cleanup EXIT
}
bl_cleanup() {
  kill "${BL_PIDS[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  bl_pg_stop "$BL_WORK"
  rm -rf "$BL_WORK"
}
