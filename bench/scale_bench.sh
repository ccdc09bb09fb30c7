#!/usr/bin/env bash
# BrandLedger at scale (docs/PERFORMANCE.md "At scale"), in one run, printing one table:
#   generate    bench/history_generator: 20 years of 100,000 branches under 500 units through
#               the engine (about ten million events); skipped when SCALE_DATA names a dir
#               it filled before (kept; otherwise a temporary dir, removed at the end)
#   size        bytes on disk per event (data.mdb, log and every view)
#   rebuild     `brandledger rebuild`: every view recomputed from the log
#   cold start  `serve` on that data after the page cache was dropped (when allowed), to the
#               first answer of /healthz
# A dir given in SCALE_DATA needs its generator's tokens in SCALE_DATA.tokens.
#   reads       every read endpoint of API.md at $READERS concurrent readers, after a second
#               of each unmeasured (the cold start dropped the page cache) (wrk, random
#               ids, dates and pages from the generated ranges), $SECONDS_PER_RUN s each
#   writes      durable progress reports over 64 brands with 64 branch users (wrk, 64
#               connections), alone and then while $READERS readers run a heavy read mix
#   memory      the server's own resident memory at the end, and the data file's pages it maps
#   console     first paint and data shown of the console's pages in headless Chromium
#               (web/e2e/first-paint.mjs; when web/dist and playwright-core are built)
#   postgresql  bytes per event of the same history in PostgreSQL 15 with the same indexes
#               (a throwaway cluster this script creates and removes; SKIP_PG=1: not)
# Then bench/write_scale_bench.sh gives the write figures on an empty log beside PostgreSQL.
#
#   bench/scale_bench.sh [build/app/brandledger]
#   SCALE_DATA=/var/tmp/scale/data BRANCHES=100000 UNITS=500 YEARS=20 bench/scale_bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/http_fixture.sh
BIN="${1:-build/app/brandledger}"
GEN="${GEN:-build/bench/history_generator}"
BRANCHES="${BRANCHES:-100000}"
UNITS="${UNITS:-500}"
YEARS="${YEARS:-20}"
READERS="${READERS:-8}"
SECONDS_PER_RUN="${SECONDS_PER_RUN:-5}"
bl_tools

bl_workdir
WORK=$BL_WORK
DATA="${SCALE_DATA:-$WORK/data}"
row() { printf "%-34s %14s %10s %10s %8s\n" "$@"; }
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }'; }
per() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", a / b }'; }

echo "== $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo); $(date -u +%FT%TZ)"
if [[ ! -s "$DATA/data.mdb" ]]; then
  echo "generating $YEARS years of $BRANCHES branches under $UNITS units into $DATA"
  start=$(date +%s.%N)
  "$GEN" --data "$DATA" --branches "$BRANCHES" --units "$UNITS" --years "$YEARS" \
    --tokens "$DATA.tokens" | tail -3
  GEN_SECONDS=$(since "$start")
fi
EVENTS=$("$BIN" stats --data "$DATA" | awk '$1=="events:" {print $2}')
# On disk: a compacted copy (what a fresh load of the same history takes; the data dir
# itself also holds pages freed by earlier rebuilds, which LMDB reuses but never returns).
"$BIN" backup --data "$DATA" --out "$WORK/compact" >/dev/null
BYTES=$(stat -c %s "$WORK/compact/data.mdb")
"$BIN" stats --data "$WORK/compact" | awk '$1=="events" || $1 ~ /^view\./ {print $1, $NF}' > "$WORK/tables"
rm -rf "$WORK/compact"

start=$(date +%s.%N)
"$BIN" rebuild --data "$DATA" >/dev/null 2>&1
REBUILD_SECONDS=$(since "$start")

sync
DROPPED="page cache dropped"
echo 3 2>/dev/null > /proc/sys/vm/drop_caches || DROPPED="page cache kept (not root)"
start=$(date +%s.%N)
WEB=()
[[ -f web/dist/index.html ]] && WEB=(--web web/dist)
bl_start server "$DATA" "$BIN" "${WEB[@]}"
COLD_SECONDS=$(since "$start")
BL_PIDS+=($BL_PID)
BASE="http://127.0.0.1:$BL_PORT"
# The server walks the whole chain once after it starts (in the background, reads go on);
# the reads are measured after it, each on its own.
start=$(date +%s.%N)
until curl -sf "$BASE/healthz" | grep -q '"checked":true'; do sleep 0.2; done
WALK_SECONDS=$(since "$start")

echo
row "measure" "figure" "" "" ""
if [[ -n "${GEN_SECONDS:-}" ]]; then
  row "generate" "$(printf '%.0f s' "$GEN_SECONDS")" "$(per "$EVENTS" "$GEN_SECONDS") ev/s" "" ""
fi
row "events" "$EVENTS" "" "" ""
row "on disk (compacted), per event" "$BYTES" "$((BYTES / EVENTS)) B" "" ""
# The views: all but the events table (a position set's own pages are not in its table's
# figure from `stats`, which LMDB counts apart, so take the rest of the file).
awk -v n="$EVENTS" -v all="$BYTES" '$1=="events" { e = $2 } END {
  printf "%-34s %14s %10s\n", "  of which the events table", e, sprintf("%.0f B", e / n);
  printf "%-34s %14s %10s\n", "  of which the views (and the rest)", sprintf("%.0f", all - e), sprintf("%.0f B", (all - e) / n) }' "$WORK/tables"
row "rebuild" "$(printf '%.1f s' "$REBUILD_SECONDS")" "$(per "$EVENTS" "$REBUILD_SECONDS") ev/s" "" ""
row "cold start ($DROPPED)" "$(printf '%.2f s' "$COLD_SECONDS")" "" "" ""
row "then the chain walk (background)" "$(printf '%.1f s' "$WALK_SECONDS")" "$(per "$EVENTS" "$WALK_SECONDS") ev/s" "" ""

# The readers are the committee (every row in scope); tokens are issued through the API by
# the generated history's administrator.
ADMIN=$(bl_json "['admin']" < "$DATA.tokens")  # the generator's (--tokens)
token_for() {
  bl_post "$ADMIN" "$BASE" "/v1/users/$1/tokens" '{"name":"scale bench"}' | bl_json "['token']"
}
COMMITTEE=$(token_for committee)
# 64 branches whose brands take progress reports (filed or named), each with its own token.
: > "$WORK/pairs"
for n in $(seq 0 400); do
  id=$(printf 'b%06d' "$n")
  state=$(curl -sf -H "Authorization: Bearer $COMMITTEE" "$BASE/v1/brands/$id" | bl_json "['state']" 2>/dev/null || true)
  [[ "$state" == filed || "$state" == named ]] || continue
  echo "$(token_for "s-$id") $id" >> "$WORK/pairs"
  (( $(wc -l < "$WORK/pairs") == 64 )) && break
done

# Paths for each endpoint: random ids, dates and pages from the generated ranges.
python3 - "$WORK" "$BRANCHES" "$UNITS" "$EVENTS" <<'PY'
import os, random, sys, datetime, urllib.parse
work, branches, units, events = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
random.seed(7)
now = datetime.date.today()
years = [now.year - k for k in range(1, 19)]
def brand(): return "b%06d" % random.randrange(branches)
def unit(): return "u%03d" % random.randrange(units)
def day(): return "%d-%02d-%02d" % (random.choice(years), random.randint(1, 12), random.randint(1, 28))
def rnd(): return "%d-%02d" % (random.choice(years), random.randint(1, 10))
titles = ["top10", "demonstration", "excellent"]
states = ["filed", "named", "cultivating", "rectifying", "cancelled"]
words = ["红色", "先锋", "初心", "匠心", "暖心", "青春"]
endpoints = {
  "brand": lambda: "/v1/brands/" + brand(),
  "brand as_of": lambda: "/v1/brands/%s?as_of=%s" % (brand(), day()),
  "brand history": lambda: "/v1/brands/%s/history" % brand(),
  "brands": lambda: "/v1/brands?limit=50",
  "brands ?state": lambda: "/v1/brands?limit=50&state=" + random.choice(states),
  "brands ?unit": lambda: "/v1/brands?limit=50&unit=" + unit(),
  "brands ?branch": lambda: "/v1/brands?branch=" + brand(),
  "brands ?title": lambda: "/v1/brands?limit=50&title=" + random.choice(titles),
  "brands ?q": lambda: "/v1/brands?limit=50&q=" + random.choice(words),
  "audit ?actor": lambda: "/v1/audit?actor=s-" + brand(),
  "audit ?brand": lambda: "/v1/audit?brand=" + brand(),
  "audit ?round": lambda: "/v1/audit?round=sel-" + rnd(),
  "audit ?type": lambda: "/v1/audit?type=" + random.choice(["BrandNamed", "BrandFiled", "ScoreRecorded", "TitleExpired"]),
  "audit ?org": lambda: "/v1/audit?org=" + unit(),
  "audit ?from&to (a week)": lambda: (lambda d: "/v1/audit?from=%s&to=%s" % (d, d + datetime.timedelta(days=7)))(datetime.date.fromisoformat(day())),
  "coverage as_of": lambda: "/v1/reports/coverage?as_of=" + day(),
  "titles": lambda: "/v1/reports/titles?year=%d" % random.choice(years),
  "assessment, a page": lambda: "/v1/reports/assessment?limit=100&year=%d" % random.choice(years),
  "assessment, a unit": lambda: "/v1/reports/assessment?unit=%s&year=%d" % (unit(), random.choice(years)),
  "pipeline": lambda: "/v1/reports/pipeline",
  "pipeline as_of": lambda: "/v1/reports/pipeline?as_of=" + day(),
  "re-reviews due (90 days)": lambda: "/v1/re-reviews/due?before=" + (now + datetime.timedelta(days=90)).isoformat(),
  "events page": lambda: "/v1/events?limit=100&after=%d" % random.randrange(events),
}
with open(os.path.join(work, "endpoints"), "w") as index:
  for i, (name, make) in enumerate(endpoints.items()):
    path = os.path.join(work, "paths%d" % i)
    with open(path, "w") as f:
      for _ in range(500): f.write(urllib.parse.quote(make(), safe="/?&=-_.") + "\n")
    index.write("%s\t%s\n" % (path, name))
PY
cat > "$WORK/paths.lua" <<'LUA'
-- Each request a random path of the endpoint's list.
local paths = {}
for line in io.lines(os.getenv("PATHS")) do paths[#paths + 1] = line end
local n = 0
init = function() math.randomseed(os.time() + n); n = n + 1 end
request = function() return wrk.format("GET", paths[math.random(#paths)]) end
LUA

# The page cache was dropped for the cold start: a second of each endpoint first, unmeasured,
# so that the figures are a warm server's and not the disk's first reads of each page.
while IFS=$'\t' read -r paths name; do
  PATHS="$paths" CONNECTIONS=$READERS SECONDS_PER_RUN=1 bl_wrk "$name" "$COMMITTEE" "$BASE/" "$WORK/paths.lua" >/dev/null
done < "$WORK/endpoints"
echo
echo "reads: $READERS readers (wrk -t2 -c$READERS -d${SECONDS_PER_RUN}s), the committee's token, warm"
row "endpoint" "requests/s" "p50" "p99" "non-2xx"
while IFS=$'\t' read -r paths name; do
  PATHS="$paths" CONNECTIONS=$READERS bl_wrk "$name" "$COMMITTEE" "$BASE/" "$WORK/paths.lua" |
    awk -v n="$name" '{ printf "%-34s %14s %10s %10s %8s\n", n, $(NF-3), $(NF-2), $(NF-1), $NF }'
done < "$WORK/endpoints"

# Writes: alone, then under a heavy read mix (history, lists, audit, reports at once).
BODY='{"year":2031,"summary":"年度自评：品牌创建稳步推进"}'
cat > "$WORK/writes.lua" <<LUA
local brands = {}
for line in io.lines("$WORK/pairs") do
  local token, id = line:match("(%S+) (%S+)")
  brands[#brands + 1] = { token = token, path = "/v1/brands/" .. id .. "/progress" }
end
local i = 0
request = function()
  i = i % #brands + 1
  return wrk.format("POST", brands[i].path, { ["Authorization"] = "Bearer " .. brands[i].token,
                                              ["Content-Type"] = "application/json" }, '$BODY')
end
LUA
cat "$WORK"/paths{2,3,8,9,13,14,15,17,20} > "$WORK/mix"
echo
echo "writes: durable progress reports, 64 brands, 64 branch users (wrk -t2 -c64 -d${SECONDS_PER_RUN}s)"
row "workload" "requests/s" "p50" "p99" "non-2xx"
# Twice: the first run after a restart faults in the pages its brands, users and index
# ends live on (the page cache was dropped for the cold start; the reads touched others).
for run in "writes alone (first after start)" "writes alone, again"; do
  bl_wrk "$run" "" "$BASE/" "$WORK/writes.lua" |
    awk -v n="$run" '{ printf "%-34s %14s %10s %10s %8s\n", n, $(NF-3), $(NF-2), $(NF-1), $NF }'
done
PATHS="$WORK/mix" CONNECTIONS=$READERS SECONDS_PER_RUN=$((SECONDS_PER_RUN + 2)) \
  bl_wrk "reads beside" "$COMMITTEE" "$BASE/" "$WORK/paths.lua" > "$WORK/reads-beside" &
READERS_PID=$!
sleep 1
bl_wrk "writes" "" "$BASE/" "$WORK/writes.lua" |
  awk -v r="$READERS" '{ printf "%-34s %14s %10s %10s %8s\n", "writes, " r " readers beside", $(NF-3), $(NF-2), $(NF-1), $NF }'
wait "$READERS_PID"
awk -v r="$READERS" '{ printf "%-34s %14s %10s %10s %8s\n", "the " r " readers (mix)", $(NF-3), $(NF-2), $(NF-1), $NF }' "$WORK/reads-beside"

echo
# Resident memory: the server's own (anonymous) and the data file's pages it has mapped
# (LMDB reads through its memory map: page cache, shared, given back under pressure).
mem() { awk -v k="$1:" '$1 == k { printf "%.0f MiB", $2 / 1024 }' "/proc/$BL_PID/status"; }
row "server memory: own (RssAnon)" "$(mem RssAnon)" "" "" ""
row "  mapped data file (RssFile)" "$(mem RssFile)" "" "" ""

# The console on this history: first paint and data shown per page, in Debian's Chromium
# (web/e2e/first-paint.mjs), logged in as the committee (a password set for the run).
if [[ ${#WEB[@]} -gt 0 && -d web/node_modules/playwright-core ]] && command -v chromium >/dev/null; then
  PASSWORD="scale-$RANDOM$RANDOM"
  echo "$PASSWORD" | "$BIN" users set-password --data "$DATA" committee >/dev/null 2>&1
  echo
  echo "console: headless Chromium over loopback, the committee"
  (cd web && node e2e/first-paint.mjs "$BASE" committee "$PASSWORD")
fi

# PostgreSQL with the same history: every event with every field its record holds (data as
# jsonb), indexed as the log and its audit views are here (stream and version, command id,
# actor, type, time, the orgs an event concerns), and the brands' documents indexed by
# state, unit, branch and title. Loaded with COPY, indexes built after (its most compact
# form), on a throwaway cluster. SKIP_PG=1 leaves it out.
if [[ -z "${SKIP_PG:-}" && -x "$BL_PG/initdb" ]]; then
  bl_pg_start "$WORK"
  bl_psql -d postgres <<'SQL'
CREATE TABLE events (position bigint NOT NULL, stream text NOT NULL, version int NOT NULL,
  stream_prev bigint NOT NULL, type text NOT NULL, schema_version int NOT NULL,
  occurred_at timestamptz NOT NULL, recorded_at timestamptz NOT NULL, actor_id text NOT NULL,
  actor_name text NOT NULL, actor_role text NOT NULL, actor_org text NOT NULL,
  command_id text NOT NULL, correlation_id text NOT NULL, comment text NOT NULL,
  data jsonb NOT NULL, prev_hash bytea NOT NULL, hash bytea NOT NULL);
CREATE TABLE audit_by_org (org text NOT NULL, position bigint NOT NULL);
CREATE TABLE brands (id text NOT NULL, doc jsonb NOT NULL);
SQL
  start=$(date +%s.%N)
  # The export, as COPY rows; the orgs of each event as the audit index takes them (a
  # brand's unit and branch, an org and its parent).
  "$BIN" export --data "$DATA" 2>/dev/null | python3 -c '
import json, sys
def esc(v):
    return str(v).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
orgs_of, out = {}, sys.stdout
with open(sys.argv[1], "w") as orgs:
    for line in sys.stdin:
        e = json.loads(line)
        if "position" not in e: continue
        a, d, s = e["actor"], e["data"], e["stream"]
        if e["type"] == "BrandCreated": orgs_of[s] = (d.get("unit", ""), d.get("branch", ""))
        if e["type"] == "OrgCreated": orgs_of[s] = (d.get("id", ""), d.get("parent") or "")
        for o in orgs_of.get(s, ()):
            if o: orgs.write("%s\t%d\n" % (esc(o), e["position"]))
        out.write("\t".join(esc(x) for x in (e["position"], s, e["version"], e["stream_prev"], e["type"],
            e["schema_version"], e["occurred_at"], e["recorded_at"], a["id"], a["name"], a["role"],
            a["org"], e["command_id"], e["correlation_id"], e["comment"],
            json.dumps(d, ensure_ascii=False, separators=(",", ":")),
            "\\x" + e["prev_hash"], "\\x" + e["hash"])) + "\n")
' "$WORK/orgs.tsv" | bl_psql -d postgres -c "COPY events FROM STDIN"
  bl_psql -d postgres -c "COPY audit_by_org FROM STDIN" < "$WORK/orgs.tsv"
  rm -f "$WORK/orgs.tsv"
  # The brands' documents, as the API lists them.
  python3 - "$BASE" "$COMMITTEE" <<'PY' | bl_psql -d postgres -c "COPY brands FROM STDIN"
import json, sys, urllib.request
base, token, after = sys.argv[1], sys.argv[2], ""
while True:
    req = urllib.request.Request(base + "/v1/brands?limit=500" + ("&after=" + after if after else ""),
                                 headers={"Authorization": "Bearer " + token})
    page = json.load(urllib.request.urlopen(req))
    for b in page["items"]:
        text = json.dumps(b, ensure_ascii=False, separators=(",", ":"))
        sys.stdout.write(b["id"] + "\t" + text.replace("\\", "\\\\") + "\n")
    if not page.get("next"): break
    after = page["next"]
PY
  bl_psql -d postgres <<'SQL'
ALTER TABLE events ADD PRIMARY KEY (position);
CREATE UNIQUE INDEX ON events (stream, version);
CREATE UNIQUE INDEX ON events (command_id, position) WHERE command_id <> '';
CREATE INDEX ON events (actor_id, position);
CREATE INDEX ON events (type, position);
CREATE INDEX ON events (occurred_at, position);
ALTER TABLE audit_by_org ADD PRIMARY KEY (org, position);
ALTER TABLE brands ADD PRIMARY KEY (id);
CREATE INDEX ON brands ((doc->>'state'), id);
CREATE INDEX ON brands ((doc->>'unit'), id);
CREATE INDEX ON brands ((doc->>'branch'), id);
CREATE INDEX ON brands ((doc->>'title'), id);
VACUUM ANALYZE;
SQL
  LOAD_SECONDS=$(since "$start")
  read -r PG_EVENTS PG_ORGS PG_BRANDS < <(bl_psql -d postgres -F ' ' -c \
    "SELECT pg_total_relation_size('events'), pg_total_relation_size('audit_by_org'), pg_total_relation_size('brands')")
  PG_TOTAL=$((PG_EVENTS + PG_ORGS + PG_BRANDS))
  echo
  row "postgresql, same history" "bytes" "per event" "" ""
  row "  events, their indexes" "$PG_EVENTS" "$((PG_EVENTS / EVENTS)) B" "" ""
  row "  audit by org" "$PG_ORGS" "$((PG_ORGS / EVENTS)) B" "" ""
  row "  brands, their indexes" "$PG_BRANDS" "$((PG_BRANDS / EVENTS)) B" "" ""
  row "  in all (loaded in $(printf '%.0f s' "$LOAD_SECONDS"))" "$PG_TOTAL" "$((PG_TOTAL / EVENTS)) B" "" ""
  row "brandledger, compacted (above)" "$BYTES" "$((BYTES / EVENTS)) B" "" ""
  bl_pg_stop "$WORK"
fi
