#!/usr/bin/env bash
# Failure-detector stability: a healthy local 3-node cluster (gossip every 1 s) under `kvctl bench`
# load for LOAD_SECONDS (default 120); every 0.5 s each node's /v1/membership is read and any peer it does
# not report UP is counted. Prints the number of non-UP observations (false SUSPECT/DOWN) and max phi.
# usage: bash src/bench/flap.sh     (from the repository root, after `mvn -DskipTests package`)
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_UNDER_LOAD=${LOAD_SECONDS:-120}
JAR=target/node.jar
WORK=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"' EXIT
for i in 1 2 3; do
  java -Xmx256m -jar $JAR -conf "{\"nodeId\":\"node$i\",\"grpcPort\":4640$i,\"httpPort\":4650$i,\"peerPort\":4660$i,\"insecure\":true,\"dataDir\":\"$WORK/node$i\",\"seeds\":[\"127.0.0.1:46601\",\"127.0.0.1:46602\",\"127.0.0.1:46603\"]}" > "$WORK/node$i.log" 2>&1 & pids+=($!)
done
for port in 46501 46502 46503; do
  for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/healthz" > /dev/null && break; sleep 0.5; done
done
sleep 5
java -jar $JAR kvctl bench --targets 127.0.0.1:46401,127.0.0.1:46402,127.0.0.1:46403 --op mixed --concurrency 64 \
  --warmup 0s --duration "${SECONDS_UNDER_LOAD}s" > "$WORK/bench.txt" 2>&1 & pids+=($!)
bench=$!
polls=0; notup=0; maxphi=0
while kill -0 $bench 2>/dev/null; do
  for port in 46501 46502 46503; do
    out=$(curl -s -m 2 "http://127.0.0.1:$port/v1/membership" || echo '{"nodes":[]}')
    polls=$((polls + 1))
    n=$(echo "$out" | grep -o '"status":"[A-Z]*"' | grep -vc '"UP"' || true)
    notup=$((notup + n))
    p=$(echo "$out" | grep -o '"phi":[0-9.]*' | cut -d: -f2 | sort -g | tail -1)
    [ -n "$p" ] && maxphi=$(printf '%s\n%s\n' "$maxphi" "$p" | sort -g | tail -1)
  done
  sleep 0.5
done
tail -2 "$WORK/bench.txt"
echo "membership polls: $polls, peers reported not UP: $notup, highest phi seen: $maxphi"
