#!/usr/bin/env bash
# The cost of replication (docs/SCALE-OUT.md), in one run on this machine: durable commands
# (POST /v1/brands/{id}/progress) with wrk against a single node, then against a writer that
# ships every batch to a three-node JetStream cluster (R3, real nats-servers on loopback)
# with a replica following; then how long the replica took to hold everything, where the
# writer's batch time went (ship, commit), and the CPU each process used during the load.
# $SECONDS_PER_RUN (default 10), $CONNECTIONS (default 64), $THREADS (default 2).
#
#   bench/replication_bench.sh [build/app/brandledger]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/http_fixture.sh
BIN="${1:-build/app/brandledger}"
bl_tools nats-server

DATA="$(mktemp -d)"
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$DATA"' EXIT

# Three clustered nats-servers on free-enough ports.
BASE_PORT=$((30000 + RANDOM % 20000))
URLS=""
for i in 1 2 3; do
  routes=""
  for j in 1 2 3; do [[ $j != "$i" ]] && routes+="${routes:+, }nats-route://127.0.0.1:$((BASE_PORT + 10 + j))"; done
  cat > "$DATA/n$i.conf" <<CONF
server_name: n$i
listen: 127.0.0.1:$((BASE_PORT + i))
jetstream { store_dir: "$DATA/n$i" }
cluster { name: bench; listen: 127.0.0.1:$((BASE_PORT + 10 + i)); routes: [ ${routes} ] }
CONF
  nats-server -c "$DATA/n$i.conf" > "$DATA/n$i.log" 2>&1 &
  PIDS+=($!)
  URLS+="${URLS:+,}nats://127.0.0.1:$((BASE_PORT + i))"
done

bl_progress_lua "$DATA/progress.lua"
echo "wrk -t2 -c${CONNECTIONS:-64} -d${SECONDS_PER_RUN:-10}s, durable progress reports on one brand; $(nproc) cores"
bl_header "server"

bl_start single "$DATA/single" "$BIN"
PIDS+=($BL_PID)
bl_prepare "http://127.0.0.1:$BL_PORT"
bl_wrk "single node" "$BL_BRANCH" "http://127.0.0.1:$BL_PORT/v1/brands/$BL_BRAND/progress" "$DATA/progress.lua"
kill $BL_PID; wait $BL_PID 2>/dev/null || true

bl_start writer "$DATA/writer" "$BIN" --nats "$URLS"
PIDS+=($BL_PID)
WRITER=$BL_PORT
WRITER_PID=$BL_PID
bl_start replica "$DATA/replica" "$BIN" --nats "$URLS" --replica
PIDS+=($BL_PID)
REPLICA=$BL_PORT
REPLICA_PID=$BL_PID
bl_prepare "http://127.0.0.1:$WRITER"
# CPU seconds (user + system) a process has used so far.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }
NATS_PIDS=("${PIDS[@]:0:3}")
declare -A CPU_BEFORE
for p in "$WRITER_PID" "$REPLICA_PID" "${NATS_PIDS[@]}"; do CPU_BEFORE[$p]=$(cpu "$p"); done
bl_wrk "writer, R3 + a replica" "$BL_BRANCH" "http://127.0.0.1:$WRITER/v1/brands/$BL_BRAND/progress" "$DATA/progress.lua"
ended=$(date +%s.%N)
declare -A CPU_USED
for p in "$WRITER_PID" "$REPLICA_PID" "${NATS_PIDS[@]}"; do
  CPU_USED[$p]=$(python3 -c "print(round($(cpu "$p") - ${CPU_BEFORE[$p]}, 1))")
done

events() { curl -sf -H "Authorization: Bearer $BL_ADMIN" "http://127.0.0.1:$1/v1/admin/verify" | bl_json "['events']"; }
TOTAL=$(events "$WRITER")
while [[ $(events "$REPLICA") != "$TOTAL" ]]; do sleep 0.05; done
caught=$(date +%s.%N)
metric() { curl -sf "http://127.0.0.1:$WRITER/metrics" | awk -v m="$1" '$1==m {print $2}'; }
calc() { python3 -c "print($1)"; }
printf "replica holds all %s events %.2f s after the load ended\n" "$TOTAL" "$(calc "$caught - $ended")"
mean_ms() { calc "1000 * $(metric "$1_sum") / $(metric "$1_count")"; }
printf "writer: %s batches shipped; per batch: %.2f ms in all, of which ship %.2f ms and commit (fsync) %.2f ms\n" \
  "$(metric brandledger_replication_sequence)" "$(mean_ms brandledger_batch_seconds)" \
  "$(mean_ms brandledger_replication_publish_seconds)" "$(mean_ms brandledger_commit_seconds)"
nats_cpu=$(python3 -c "print(round($(IFS=+; for p in "${NATS_PIDS[@]}"; do echo -n "${CPU_USED[$p]}+"; done)0, 1))")
printf "CPU seconds during the %s s load (of %s available): writer %s, replica %s, three nats-servers %s\n" \
  "${SECONDS_PER_RUN:-10}" "$(( ${SECONDS_PER_RUN:-10} * $(nproc) ))" "${CPU_USED[$WRITER_PID]}" \
  "${CPU_USED[$REPLICA_PID]}" "$nats_cpu"
