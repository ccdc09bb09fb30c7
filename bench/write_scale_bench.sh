#!/usr/bin/env bash
# Durable commands over many brands (docs/PERFORMANCE.md, "Many brands"), in one run:
#   brandledger  progress reports (POST /v1/brands/{id}/progress) over $BRANDS filed brands,
#                each with its own branch user, round-robin, with wrk at $CONNECTIONS
#   one brand    the same command on one brand (the figure PERFORMANCE.md had so far)
#   healthz      the same server's transport alone (GET /healthz)
#   postgresql   an event store with inline projections on PostgreSQL 15 (Debian's): per
#                command one transaction with the event row, the brand's document and two
#                audit index rows (the shape Marten uses), synchronous_commit=on, the same
#                payload, pgbench with $CONNECTIONS clients, each on a brand of its own; on a
#                throwaway cluster this script creates and removes
# Each for $SECONDS_PER_RUN s (default 10); $CONNECTIONS default 64, $BRANDS default 64.
# PERF_OUT=FILE also records the server with perf (call graphs) during the 64-brand run.
#
#   bench/write_scale_bench.sh [build/app/brandledger]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/http_fixture.sh
BIN="${1:-build/app/brandledger}"
BRANDS="${BRANDS:-64}"
CLIENTS="${CONNECTIONS:-64}"
bl_tools
[[ -x "$BL_PG/pgbench" ]] || { echo "needs PostgreSQL 15 (apt-get install postgresql)" >&2; exit 2; }

bl_workdir
DATA=$BL_WORK

bl_start server "$DATA/data" "$BIN"
BL_PIDS+=($BL_PID)
BASE="http://127.0.0.1:$BL_PORT"
bl_prepare "$BASE"  # the one brand, and the committee's and a unit's users

# $BRANDS branches under 8 units, each with its own branch user and a filed brand.
unit_token() { bl_post $BL_ADMIN "$BASE" /v1/users "{\"id\":\"wu$1\",\"name\":\"单位$1书记\",\"role\":\"unit\",\"org\":\"wu$1\"}" | bl_json "['token']"; }
declare -A UNIT
for u in $(seq 1 8); do
  bl_post $BL_ADMIN "$BASE" /v1/orgs "{\"id\":\"wu$u\",\"name\":\"第${u}机关党委\",\"kind\":\"unit\",\"parent\":\"wc\"}" >/dev/null
  UNIT[$u]=$(unit_token "$u")
done
: > "$DATA/pairs"
for i in $(seq 1 "$BRANDS"); do
  u=$(( (i - 1) % 8 + 1 ))
  bl_post $BL_ADMIN "$BASE" /v1/orgs "{\"id\":\"wb$i\",\"name\":\"第${i}党支部\",\"kind\":\"branch\",\"parent\":\"wu$u\",\"org_type\":\"党支部\"}" >/dev/null
  token=$(bl_post $BL_ADMIN "$BASE" /v1/users "{\"id\":\"ws$i\",\"name\":\"支部书记$i\",\"role\":\"branch\",\"org\":\"wb$i\"}" | bl_json "['token']")
  brand=$(bl_post "$token" "$BASE" /v1/brands "{\"name\":\"品牌$i·红色引擎\",\"theme\":\"t\",\"connotation\":\"c\",\"features\":\"f\",\"effects\":\"e\"}" | bl_json "['id']")
  bl_post "$token" "$BASE" "/v1/brands/$brand/submit" '{}' >/dev/null
  bl_post "${UNIT[$u]}" "$BASE" "/v1/brands/$brand/approve" '{"comment":"材料齐全，同意报送。"}' >/dev/null
  bl_post "$BL_COMMITTEE" "$BASE" "/v1/brands/$brand/file" '{"comment":"符合条件，予以备案。"}' >/dev/null
  echo "$token $brand" >> "$DATA/pairs"
done
BODY='{"year":2031,"summary":"年度自评：品牌创建稳步推进"}'
cat > "$DATA/many.lua" <<LUA
-- Each request the next brand, with its own branch user's token.
local brands = {}
for line in io.lines("$DATA/pairs") do
  local token, id = line:match("(%S+) (%S+)")
  brands[#brands + 1] = { token = token, path = "/v1/brands/" .. id .. "/progress" }
end
local i = 0
local body = '$BODY'
request = function()
  i = i % #brands + 1
  local b = brands[i]
  return wrk.format("POST", b.path, { ["Authorization"] = "Bearer " .. b.token,
                                       ["Content-Type"] = "application/json" }, body)
end
LUA
bl_progress_lua "$DATA/one.lua"

# PostgreSQL: a throwaway cluster, fsync and synchronous_commit on (its defaults, said).
bl_pg_start "$DATA" "$CLIENTS"
bl_psql -d postgres <<SQL
CREATE TABLE events (position bigserial PRIMARY KEY, stream text NOT NULL, version int NOT NULL,
  type text NOT NULL, data jsonb NOT NULL, actor text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(), UNIQUE (stream, version));
CREATE TABLE brands (id text PRIMARY KEY, version int NOT NULL, doc jsonb NOT NULL);
CREATE TABLE audit_by_actor (actor text, position bigint, PRIMARY KEY (actor, position));
CREATE TABLE audit_by_brand (brand text, position bigint, PRIMARY KEY (brand, position));
INSERT INTO brands SELECT 'brand-' || i, 1,
  jsonb_build_object('name', '品牌' || i || '·红色引擎', 'state', 'filed', 'progress', '[]'::jsonb)
  FROM generate_series(1, $CLIENTS) i;
SQL
cat > "$DATA/pg.sql" <<SQL
\set b :client_id + 1
BEGIN;
UPDATE brands SET version = version + 1,
  doc = jsonb_set(doc, '{last_progress}', '$BODY'::jsonb)
  WHERE id = 'brand-' || :b RETURNING version \gset
INSERT INTO events (stream, version, type, data, actor)
  VALUES ('brand-' || :b, :version, 'ProgressReported', '$BODY', 'branch-' || :b)
  RETURNING position \gset
INSERT INTO audit_by_actor VALUES ('branch-' || :b, :position);
INSERT INTO audit_by_brand VALUES ('brand-' || :b, :position);
COMMIT;
SQL
chown postgres "$DATA/pg.sql"

echo "wrk -t2 -c$CLIENTS -d${SECONDS_PER_RUN:-10}s; pgbench -c$CLIENTS -j2; $(nproc) cores"
bl_header workload
bl_perf_start "${BL_PIDS[0]}"
bl_wrk "brandledger, $BRANDS brands" "" "$BASE/v1/brands/x/progress" "$DATA/many.lua"
bl_perf_stop
bl_wrk "brandledger, 1 brand" "$BL_BRANCH" "$BASE/v1/brands/$BL_BRAND/progress" "$DATA/one.lua"
bl_wrk "brandledger /healthz" "$BL_COMMITTEE" "$BASE/healthz"
(cd "$DATA/pgrun" && runuser -u postgres -- "$BL_PG/pgbench" -h "$DATA/pgsock" -p "$BL_PG_PORT" -n -c "$CLIENTS" -j 2 \
  -T "${SECONDS_PER_RUN:-10}" -f "$DATA/pg.sql" -l --log-prefix="$DATA/pgrun/pglog" postgres > "$DATA/pgbench.out" 2>&1) ||
  { cat "$DATA/pgbench.out" >&2; exit 1; }
python3 - "$DATA" "$BRANDS" <<'PY'
import glob, re, sys
data = sys.argv[1]
out = open(data + "/pgbench.out").read()
tps = float(re.search(r"tps = ([0-9.]+)", out).group(1))
lat = sorted(int(line.split()[2]) for f in glob.glob(data + "/pgrun/pglog*") for line in open(f))
pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] / 1000
print("%-22s %12.2f %8.2fms %8.2fms %8s" % ("postgresql, inline", tps, pick(0.5), pick(0.99), 0))
PY
EVENTS=$(curl -sf -H "Authorization: Bearer $BL_ADMIN" "$BASE/v1/admin/verify" | bl_json "['events']")
echo "brandledger: $EVENTS events in the log after the run (chain verified)"
