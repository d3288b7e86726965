#!/usr/bin/env bash
# Memory under a long mixed load: one node with -Xmx256m, 1M keys of 100 bytes, 90/10 get/put at
# concurrency 64 for MINUTES (default 10); prints the node's RSS every 30 s.
# usage: bash src/bench/memory.sh     (from the repository root, after `mvn -DskipTests package`)
set -euo pipefail
cd "$(dirname "$0")/../.."
MINUTES=${MINUTES:-10}
JAR=target/node.jar
WORK=$(mktemp -d)
java -Xmx256m -jar $JAR -conf "{\"nodeId\":\"mem\",\"grpcPort\":46301,\"gossipPort\":46302,\"dataDir\":\"$WORK/d\",\"replicationFactor\":1}" > "$WORK/node.log" 2>&1 &
NODE=$!
trap 'kill $NODE 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 60); do curl -sf http://127.0.0.1:46302/healthz > /dev/null && break; sleep 0.5; done
rss() { awk '/VmRSS/ {printf "%.0f MB", $2/1024}' /proc/$NODE/status; }
echo "preloading 1M keys... (RSS $(rss))"
java -jar $JAR kvctl bench --targets 127.0.0.1:46301 --op put --preload --keys 1000000 --requests 1 --warmup 0s | grep preloaded
echo "after preload: RSS $(rss)"
java -jar $JAR kvctl bench --targets 127.0.0.1:46301 --op mixed --read-ratio 0.9 --keys 1000000 --concurrency 64 \
  --warmup 0s --duration "${MINUTES}m" > "$WORK/bench.txt" 2>&1 &
BENCH=$!
for i in $(seq 1 $((MINUTES * 2))); do
  sleep 30
  echo "$((i * 30)) s: RSS $(rss), $(tail -1 "$WORK/bench.txt" | sed 's/.*\] *//')"
done
wait $BENCH
tail -2 "$WORK/bench.txt"
echo "end: RSS $(rss); data $(du -sh "$WORK/d" | cut -f1)"
