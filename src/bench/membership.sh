#!/usr/bin/env bash
# Join and decommission figures: a local 3-node cluster (RF 3, QUORUM, insecure, one event loop per
# node) loaded with KEYS keys (default 1,000,000) of 100 bytes; then `kvctl bench --op mixed` runs
# at 16 in flight while a 4th node joins (bootstrap), and again while it decommissions. Prints the
# streaming totals from the nodes' own lines and the client throughput during each move as a share
# of the throughput right before it.
# usage: KEYS=1000000 bash src/bench/membership.sh    (from the repository root, after `mvn -DskipTests package`)
set -euo pipefail
cd "$(dirname "$0")/../.."
KEYS=${KEYS:-1000000}
JAR=target/node.jar
WORK=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"' EXIT
SEEDS='["127.0.0.1:46601","127.0.0.1:46602","127.0.0.1:46603"]'
node() {
  java -Xmx512m -jar $JAR -conf "{\"nodeId\":\"node$1\",\"grpcPort\":4640$1,\"httpPort\":4650$1,\"peerPort\":4660$1,\"insecure\":true,\"eventLoops\":1,\"dataDir\":\"$WORK/node$1\",\"seeds\":$SEEDS}" > "$WORK/node$1.log" 2>&1 &
  pids+=($!)
}
healthy() { for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:4650$1/healthz" > /dev/null && return 0; sleep 0.5; done; return 1; }
state_of() { curl -s "http://127.0.0.1:46501/membership" | grep -o "\"nodeId\":\"$1\"[^}]*" | grep -o '"state":"[A-Z]*"\|"status":"[A-Z]*"' | tr '\n' ' '; }
TARGETS=127.0.0.1:46401,127.0.0.1:46402,127.0.0.1:46403
bench() {  # seconds, output file; in the background when a third argument says so (its pid in $b)
  java -jar $JAR kvctl bench --targets $TARGETS --op mixed --read-ratio 0.5 --consistency QUORUM --concurrency 16 \
    --keys "$KEYS" --warmup 0s --duration "$1s" > "$2" 2>&1 &
  b=$!; pids+=($b)
  [ "${3:-}" = background ] || wait $b
}
rate() { grep -o '= [0-9]* ops/s' "$1" | tail -1 | grep -o '[0-9]*'; }
for i in 1 2 3; do node $i; done
for i in 1 2 3; do healthy $i; done
sleep 3
echo "loading $KEYS keys ..."
java -jar $JAR kvctl bench --targets $TARGETS --op put --consistency QUORUM --concurrency 64 --keys "$KEYS" --preload \
  --warmup 0s --requests 1 > "$WORK/load.txt" 2>&1
grep preloaded "$WORK/load.txt"
bench 20 "$WORK/before-join.txt"; before=$(rate "$WORK/before-join.txt")

echo "node4 joins ..."
bench 600 "$WORK/during-join.txt" background
start=$(date +%s.%N)
java -Xmx512m -jar $JAR -conf "{\"nodeId\":\"node4\",\"grpcPort\":46404,\"httpPort\":46504,\"peerPort\":46604,\"insecure\":true,\"eventLoops\":1,\"dataDir\":\"$WORK/node4\",\"seeds\":$SEEDS}" > "$WORK/node4.log" 2>&1 &
pids+=($!)
until grep -q '\[BOOTSTRAP\] done' "$WORK/node4.log"; do sleep 1; done
joined=$(date +%s.%N)
kill -TERM $b; wait $b || true
grep '\[BOOTSTRAP\] done' "$WORK/node4.log" | sed 's/.*\[BOOTSTRAP\]/bootstrap/'
during=$(rate "$WORK/during-join.txt")
printf 'join: %.0f s from launch to NORMAL; mixed QUORUM ops/s before %s, during %s (%s%%)\n' "$(echo "$joined - $start" | bc)" \
  "$before" "$during" "$((100 * during / before))"

# the same three targets before and during the leave, once node4 has settled (its Merkle trees built)
until grep -q 'Merkle trees ready' <(grep -A1000 'BOOTSTRAP\] done' "$WORK/node4.log"); do sleep 1; done
bench 20 "$WORK/before-leave.txt"; before=$(rate "$WORK/before-leave.txt")
echo "node4 decommissions ..."
bench 600 "$WORK/during-leave.txt" background
start=$(date +%s.%N)
java -jar $JAR kvctl decommission --node 127.0.0.1:46404 --timeout-ms 3600000 > "$WORK/decommission.txt" 2>&1
left=$(date +%s.%N)
kill -TERM $b; wait $b || true
tail -1 "$WORK/decommission.txt"
during=$(rate "$WORK/during-leave.txt")
printf 'decommission: %.0f s; mixed QUORUM ops/s before %s, during %s (%s%%)\n' "$(echo "$left - $start" | bc)" \
  "$before" "$during" "$((100 * during / before))"
