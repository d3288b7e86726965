#!/usr/bin/env bash
# Backups, measured on one node each (RF 1, -Xmx256m), loaded through the API with 100-byte values:
# "mid" with MID rows (default 1M) and "big" with BIG rows (default 10M; growth.sh's WORK holds one).
#  1. `kvctl snapshot create` on the idle node: time and bytes.
#  2. durable puts at 64 in flight for the snapshot's time plus 4 s, once alone and once with a
#     snapshot taken 2 s in: throughput with a snapshot under way as a share of without, and the
#     snapshot's time under that load.
#  3. `kvctl export` of mid, then `kvctl import` of its file into an empty node: rows/s each.
# usage: bash src/bench/backup.sh      (from the repository root, after `mvn -DskipTests package`)
# WORK=/dir keeps the loaded data there; a second run with the same WORK skips the loads.
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/bench/lib.sh
MID=${MID:-1000000}
BIG=${BIG:-10000000}
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
  line=$(snapshot $n idle)
  echo "$n idle snapshot: $line"
  secs=$(( $(sed -n 's/.* in \([0-9]*\)\.[0-9] s.*/\1/p' <<< "$line") + 4 ))
  printf '%s puts alone, %ss:            ' "$n" "$secs"
  BENCH_KEYS=${KEYS[$n]} measure $JAR "$WORK/$n-alone" 127.0.0.1:${GRPC[$n]} put 64 0s "${secs}s" ${PID[$n]}
  ( sleep 2; echo "$n snapshot under load: $(snapshot $n loaded)" > "$WORK/$n-loaded.line" ) &
  printf '%s puts with a snapshot, %ss:  ' "$n" "$secs"
  BENCH_KEYS=${KEYS[$n]} measure $JAR "$WORK/$n-snap" 127.0.0.1:${GRPC[$n]} put 64 0s "${secs}s" ${PID[$n]}
  wait
  cat "$WORK/$n-loaded.line"
  a=$(sed -n 's/.*"opsPerSec" : \([0-9.]*\).*/\1/p' "$WORK/$n-alone.json")
  b=$(sed -n 's/.*"opsPerSec" : \([0-9.]*\).*/\1/p' "$WORK/$n-snap.json")
  echo "$n: puts/s with a snapshot under way = $(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.0f%%", 100 * b / a}') of alone ($b vs $a)"
  kvctl snapshot delete idle --node 127.0.0.1:${GRPC[$n]} > /dev/null
  kvctl snapshot delete loaded --node 127.0.0.1:${GRPC[$n]} > /dev/null
  [ "$n" = mid ] || stop $n
done

rm -rf "$WORK/imp" "$WORK/mid.kvexport" "$WORK/mid.kvexport.import-progress"
mkdir -p "$WORK/imp"
kvctl export --file "$WORK/mid.kvexport" --node 127.0.0.1:${GRPC[mid]} | tail -1
stop mid
start imp
kvctl import --file "$WORK/mid.kvexport" --node 127.0.0.1:${GRPC[imp]} | tail -1
stop imp
