#!/usr/bin/env bash
# Backups, measured on one node each (RF 1, -Xmx256m), loaded through the API with 100-byte values:
# "mid" with MID rows (default 1M) and "big" with BIG rows (default 10M; growth.sh's WORK holds one).
#  1. `kvctl snapshot create` on the idle node: time and bytes.
#  2. durable puts at 64 in flight (WARMUP 5s, then DURATION 30s per window) after a 15 s warm-up,
#     in windows alternated twice: kvctl listing snapshots back to back, and kvctl creating and
#     deleting them back to back (each kvctl call is a JVM start on this machine, so both have one):
#     puts/s with snapshots under way as a share of without, and each snapshot's time under load.
#  3. `kvctl export` of mid, then `kvctl import` of its file into an empty node: rows/s each.
# usage: bash src/bench/backup.sh      (from the repository root, after `mvn -DskipTests package`)
# WORK=/dir keeps the loaded data there; a second run with the same WORK skips the loads.
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/bench/lib.sh
MID=${MID:-1000000}
BIG=${BIG:-10000000}
WARMUP=${WARMUP:-5s}
DURATION=${DURATION:-30s}
JAR=target/node.jar
WORK=${WORK:-$(mktemp -d)}
mkdir -p "$WORK"
echo "data in $WORK; $(nproc) cores; $(java -version 2>&1 | head -1)"

declare -A PID GRPC HTTP
GRPC[mid]=46431; HTTP[mid]=46432
GRPC[big]=46421; HTTP[big]=46422
GRPC[imp]=46441; HTTP[imp]=46442
declare -A KEYS=([mid]=$MID [big]=$BIG)

start() {
  local n=$1
  java -Xmx256m -jar $JAR -conf "{\"nodeId\":\"$n\",\"grpcPort\":${GRPC[$n]},\"httpPort\":${HTTP[$n]},\"peerPort\":$((GRPC[$n] + 2)),\"insecure\":true,\"dataDir\":\"$WORK/$n\",\"replicationFactor\":1}" >> "$WORK/$n.log" 2>&1 &
  PID[$n]=$!
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:${HTTP[$n]}/healthz" > /dev/null && return; sleep 0.5; done
  echo "$n did not start"; tail -20 "$WORK/$n.log"; exit 1
}
stop() { kill "${PID[$1]}"; wait "${PID[$1]}" 2>/dev/null || true; unset "PID[$1]"; }
trap 'for n in "${!PID[@]}"; do kill ${PID[$n]} 2>/dev/null; done; true' EXIT
kvctl() { java -jar $JAR kvctl "$@"; }
snapshot() {  # node name: prints kvctl's line for the node and the wall time
  local t0=$(date +%s%N) out
  out=$(kvctl snapshot create "$2" --node 127.0.0.1:${GRPC[$1]} | grep "^$1 ")
  echo "$out  (wall $(( ($(date +%s%N) - t0) / 1000000 )) ms)"
}

for n in mid big; do
  mkdir -p "$WORK/$n"
  start $n
  if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${HTTP[$n]}/v1/kv/key$(( KEYS[$n] - 1 ))")" != 200 ]; then
    echo "loading $n with ${KEYS[$n]} keys..."
    kvctl bench --targets 127.0.0.1:${GRPC[$n]} --op put --preload --keys "${KEYS[$n]}" --concurrency 128 --requests 1 --warmup 0s \
      | grep --line-buffered "preload"
  fi
  rm -rf "$WORK/$n/snapshots"
  echo "$n: $(du -m "$WORK/$n/kv.db" | cut -f1) MB in kv.db"
  echo "$n idle snapshot: $(snapshot $n idle)"
  kvctl snapshot delete idle --node 127.0.0.1:${GRPC[$n]} > /dev/null
  # a kvctl call starts a JVM (CPU on this machine): every window runs kvctl back to back, listing
  # snapshots ("list") or creating and deleting them ("snap"), alternated after a warm-up window
  BENCH_KEYS=${KEYS[$n]} measure $JAR "$WORK/$n-warm" 127.0.0.1:${GRPC[$n]} put 64 0s 15s ${PID[$n]} > /dev/null
  rm -f "$WORK/$n-loaded.lines"
  for round in 1 2; do
    for kind in list snap; do
      out="$WORK/$n-$kind$round"
      rm -f "$out.json"
      ( i=0; while [ ! -f "$out.json" ]; do
          i=$((i + 1))
          if [ $kind = list ]; then
            kvctl snapshot list --node 127.0.0.1:${GRPC[$n]} > /dev/null; kvctl snapshot list --node 127.0.0.1:${GRPC[$n]} > /dev/null
          else
            echo "$n snapshot under load: $(snapshot $n loaded$round-$i)" >> "$WORK/$n-loaded.lines"
            kvctl snapshot delete loaded$round-$i --node 127.0.0.1:${GRPC[$n]} > /dev/null
          fi
        done ) &
      loop=$!
      printf '%s round %d puts, kvctl %s: ' "$n" $round $kind
      BENCH_KEYS=${KEYS[$n]} measure $JAR "$out" 127.0.0.1:${GRPC[$n]} put 64 "$WARMUP" "$DURATION" ${PID[$n]}
      wait $loop
    done
  done
  cat "$WORK/$n-loaded.lines"
  ops() { sed -n 's/.*"opsPerSec" : \([0-9.]*\).*/\1/p' "$WORK/$n-$1.json"; }
  echo "$n: puts/s with snapshots under way / listing = $(awk -v a="$(ops list1)" -v b="$(ops snap1)" -v c="$(ops list2)" -v d="$(ops snap2)" \
    'BEGIN {printf "%.0f%% and %.0f%% (rounds 1 and 2); %.0f%% of the sums", 100 * b / a, 100 * d / c, 100 * (b + d) / (a + c)}')"
  [ "$n" = mid ] || stop $n
done

rm -rf "$WORK/imp" "$WORK/mid.kvexport" "$WORK/mid.kvexport.import-progress"
mkdir -p "$WORK/imp"
kvctl export --file "$WORK/mid.kvexport" --node 127.0.0.1:${GRPC[mid]} | tail -1
stop mid
start imp
kvctl import --file "$WORK/mid.kvexport" --node 127.0.0.1:${GRPC[imp]} | tail -1
stop imp
