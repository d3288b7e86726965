#!/usr/bin/env bash
# Cost as data grows: one node (RF 1, -Xmx256m, default config but rowCacheEntries 0, so every get
# reads SQLite) holding SMALL rows (default 100k) beside one holding ROWS (default 10M), both loaded
# through the API by `kvctl bench --preload` (100-byte values). Both are restarted: time until the
# first get is answered, time until the Merkle trees are ready. Then durable puts (overwrites of
# random loaded keys) and uncached gets at 64 in flight, on the two nodes in turn, ROUNDS times, each
# with the node's CPU per operation; RSS (now and peak) of the big node at the end.
# usage: bash src/bench/growth.sh      (from the repository root, after `mvn -DskipTests package`)
# WORK=/dir keeps the loaded data there; a second run with the same WORK skips the load.
# LOAD_CONCURRENCY (default 128) puts in flight while loading. EXTRA adds config members to both
# nodes, e.g. EXTRA='"walCheckpointIntervalMs":100'.
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/bench/lib.sh
ROWS=${ROWS:-10000000}
SMALL=${SMALL:-100000}
WARMUP=${WARMUP:-10s}
DURATION=${DURATION:-20s}
ROUNDS=${ROUNDS:-2}
JAR=target/node.jar
NODE_JAVA=${NODE_JAVA:-java}
WORK=${WORK:-$(mktemp -d)}
mkdir -p "$WORK"
echo "node runs on: $("$NODE_JAVA" -version 2>&1 | head -1); data in $WORK"

declare -A PID GRPC HTTP T0 LOGLINE
GRPC[small]=46411; HTTP[small]=46412
GRPC[big]=46421; HTTP[big]=46422
declare -A KEYS=([small]=$SMALL [big]=$ROWS)

start() {
  local n=$1 t0 served=""
  t0=$(date +%s%N)
  "$NODE_JAVA" -Xmx256m -jar $JAR -conf "{\"nodeId\":\"$n\",\"grpcPort\":${GRPC[$n]},\"httpPort\":${HTTP[$n]},\"peerPort\":$((GRPC[$n] + 2)),\"insecure\":true,\"dataDir\":\"$WORK/$n\",\"replicationFactor\":1,\"rowCacheEntries\":0${EXTRA:+,$EXTRA}}" >> "$WORK/$n.log" 2>&1 &
  PID[$n]=$!
  for _ in $(seq 1 1200); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${HTTP[$n]}/v1/kv/key0")" = 200 ]; then served=yes; break; fi
    sleep 0.05
  done
  [ -n "$served" ] || { echo "$n did not serve key0 within 60 s"; tail -20 "$WORK/$n.log"; exit 1; }
  echo "$n: first get answered $(( ($(date +%s%N) - t0) / 1000000 )) ms after the process started"
  T0[$n]=$t0
}
trees_ready() {
  local n=$1
  for _ in $(seq 1 1200); do
    if grep -q "Merkle trees ready" <(tail -n +"${LOGLINE[$n]}" "$WORK/$n.log"); then
      echo "$n: Merkle trees ready $(( ($(date +%s%N) - T0[$n]) / 1000000 )) ms after the process started ($(grep "Merkle trees ready" <(tail -n +"${LOGLINE[$n]}" "$WORK/$n.log") | tail -1 | sed 's/.*ready: //'))"
      return
    fi
    sleep 0.25
  done
  echo "$n: Merkle trees not ready after 5 minutes"
}
stop() { kill "${PID[$1]}"; wait "${PID[$1]}" 2>/dev/null || true; }
trap 'for n in small big; do [ -n "${PID[$n]:-}" ] && kill ${PID[$n]} 2>/dev/null; done; true' EXIT

for n in small big; do
  if [ ! -f "$WORK/$n/kv.db" ]; then
    mkdir -p "$WORK/$n"
    "$NODE_JAVA" -Xmx256m -jar $JAR -conf "{\"nodeId\":\"$n\",\"grpcPort\":${GRPC[$n]},\"httpPort\":${HTTP[$n]},\"peerPort\":$((GRPC[$n] + 2)),\"insecure\":true,\"dataDir\":\"$WORK/$n\",\"replicationFactor\":1,\"rowCacheEntries\":0${EXTRA:+,$EXTRA}}" >> "$WORK/$n.log" 2>&1 &
    PID[$n]=$!
    for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:${HTTP[$n]}/healthz" > /dev/null && break; sleep 0.5; done
    echo "loading $n with ${KEYS[$n]} keys..."
    java -jar $JAR kvctl bench --targets 127.0.0.1:${GRPC[$n]} --op put --preload --keys "${KEYS[$n]}" --concurrency "${LOAD_CONCURRENCY:-128}" \
      --requests 1 --warmup 0s | grep --line-buffered "preload"
    stop $n
  fi
  echo "$n: $(du -m "$WORK/$n/kv.db" | cut -f1) MB in kv.db"
done

# one restart at a time, so neither start-up competes with the other's Merkle-tree build
for n in small big; do
  LOGLINE[$n]=$(( $(wc -l < "$WORK/$n.log") + 1 ))
  start $n
  trees_ready $n
done

for round in $(seq 1 "$ROUNDS"); do
  for op in put get; do
    for n in small big; do
      printf 'round %d %-5s %-3s at %9d rows: ' "$round" "$n" "$op" "${KEYS[$n]}"
      BENCH_KEYS=${KEYS[$n]} measure $JAR "$WORK/r$round-$n-$op" 127.0.0.1:${GRPC[$n]} $op 64 "$WARMUP" "$DURATION" ${PID[$n]}
      echo "    p99.9 $(sed -n 's/.*"p999" : \([0-9.]*\).*/\1/p' "$WORK/r$round-$n-$op.json") ms"
    done
  done
done
awk '/VmRSS|VmHWM/ {printf "big node %s %.0f MB  ", $1, $2/1024} END {print ""}' /proc/${PID[big]}/status
awk '/VmRSS|VmHWM/ {printf "small node %s %.0f MB  ", $1, $2/1024} END {print ""}' /proc/${PID[small]}/status
