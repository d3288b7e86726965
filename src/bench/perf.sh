#!/usr/bin/env bash
# Throughput figures for the README: the no-op ceiling server, one node (RF 1), the same node with
# its row cache off (gets and mixed), and a local 3-node cluster (RF 3, QUORUM), measured side by
# side in one run with the same `kvctl bench` settings; then open-loop latency: puts and gets on the
# node and the cluster at 25%, 50% and 75% of the closed-loop maximum (64 in flight) just measured. Beside ops/s it prints the servers' CPU per
# operation over the measured window (utime+stime from /proc), which this noisy 2-core machine
# disturbs much less than throughput.
# usage: bash src/bench/perf.sh [OUT_DIR]     (from the repository root, after `mvn -DskipTests package`)
# needs ../shared/tools/ceiling beside the repository; WARMUP/DURATION override 20s/20s (WARMUP in
# whole seconds with an s, e.g. 30s: the CPU window is timed from it). NODE_JAVA (default java) is
# the java command the servers (the ceiling and every node) run on; the load generator always
# runs on the default java, so a JVM change shows in the servers alone. OPEN_ONLY=1 measures only
# what the open-loop table needs, in one run: puts and gets at 64 in flight on the node and the
# cluster, then the open-loop rates derived from them.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-target/perf}
WARMUP=${WARMUP:-20s}
DURATION=${DURATION:-20s}
JAR=target/node.jar
NODE_JAVA=${NODE_JAVA:-java}
CEIL_SRC=../shared/tools/ceiling
WORK=$(mktemp -d)
mkdir -p "$OUT"
"$NODE_JAVA" -version > "$OUT/node-java.txt" 2>&1
echo "servers run on: $(head -1 "$OUT/node-java.txt")"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

echo "building the ceiling server from $CEIL_SRC (into $WORK, not the repository)"
cp -r "$CEIL_SRC" "$WORK/ceiling"
(cd "$WORK/ceiling" && mvn -B -q package)
"$NODE_JAVA" -jar "$WORK/ceiling/target/ceiling.jar" --port 7000 --instances 2 > "$OUT/ceiling.log" 2>&1 & pids+=($!)
declare -A serving   # name -> the pids that serve it
serving[ceiling]=$!

"$NODE_JAVA" -Xmx256m -jar $JAR -conf "{\"nodeId\":\"solo\",\"grpcPort\":46001,\"httpPort\":46002,\"peerPort\":46003,\"insecure\":true,\"dataDir\":\"$WORK/solo\",\"replicationFactor\":1}" > "$OUT/solo.log" 2>&1 & pids+=($!)
serving[node]=$!
# the same single node with its row cache off, to show what the cache does for reads
"$NODE_JAVA" -Xmx256m -jar $JAR -conf "{\"nodeId\":\"nocache\",\"grpcPort\":46011,\"httpPort\":46012,\"peerPort\":46013,\"insecure\":true,\"dataDir\":\"$WORK/nocache\",\"replicationFactor\":1,\"rowCacheEntries\":0}" > "$OUT/nocache.log" 2>&1 & pids+=($!)
serving[nocache]=$!
for i in 1 2 3; do
  "$NODE_JAVA" -Xmx256m -jar $JAR -conf "{\"nodeId\":\"node$i\",\"grpcPort\":4610$i,\"httpPort\":4620$i,\"peerPort\":4630$i,\"insecure\":true,\"dataDir\":\"$WORK/node$i\",\"replicationFactor\":3,\"grpcInstances\":1,\"eventLoops\":1,\"seeds\":[\"127.0.0.1:46301\",\"127.0.0.1:46302\",\"127.0.0.1:46303\"]}" > "$OUT/node$i.log" 2>&1 & pids+=($!)
  serving[cluster]="${serving[cluster]:-} $!"
done
for port in 46002 46012 46201 46202 46203; do
  for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/healthz" > /dev/null && break; sleep 0.5; done
done
sleep 3

source src/bench/lib.sh
bench() { # name targets op concurrency
  printf '%-8s %-6s c=%-3s %s\n' "$1" "$3" "$4" "$(measure $JAR "$OUT/$1-$3-c$4" "$2" "$3" "$4" "$WARMUP" "$DURATION" ${serving[$1]})"
}
echo "preloading 100k keys into the single node and the cluster"
java -jar $JAR kvctl bench --targets 127.0.0.1:46001 --op put --preload --keys 100000 --requests 1 --warmup 0s > /dev/null
java -jar $JAR kvctl bench --targets 127.0.0.1:46011 --op put --preload --keys 100000 --requests 1 --warmup 0s > /dev/null
java -jar $JAR kvctl bench --targets 127.0.0.1:46101,127.0.0.1:46102,127.0.0.1:46103 --op put --preload --keys 100000 --requests 1 --warmup 0s > /dev/null
if [ -n "${OPEN_ONLY:-}" ]; then
  for op in put get; do
    bench node 127.0.0.1:46001 $op 64
    bench cluster 127.0.0.1:46101,127.0.0.1:46102,127.0.0.1:46103 $op 64
  done
else
  for c in 16 64; do
    for op in put get mixed; do
      bench ceiling 127.0.0.1:7000 $op $c
      bench node 127.0.0.1:46001 $op $c
      [ "$op" != put ] && bench nocache 127.0.0.1:46011 $op $c
      bench cluster 127.0.0.1:46101,127.0.0.1:46102,127.0.0.1:46103 $op $c
    done
  done
fi
# open loop: a fixed schedule, latency from each request's intended start; at most 1024 in flight
for name in node cluster; do
  targets=$([ $name = node ] && echo 127.0.0.1:46001 || echo 127.0.0.1:46101,127.0.0.1:46102,127.0.0.1:46103)
  for op in put get; do
    max=$(sed -n 's/.*"opsPerSec" : \([0-9]*\).*/\1/p' "$OUT/$name-$op-c64.json")
    for pct in 25 50 75; do
      rate=$((max * pct / 100))
      printf '%-8s %-6s %s%% of %s = %s/s: %s\n' "$name" "$op" "$pct" "$max" "$rate" \
        "$(BENCH_RATE=$rate measure $JAR "$OUT/$name-$op-open$pct" "$targets" $op 1024 "$WARMUP" "$DURATION" ${serving[$name]})"
    done
  done
done
echo "results in $OUT"
