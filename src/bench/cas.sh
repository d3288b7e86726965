#!/usr/bin/env bash
# Compare-and-set beside plain QUORUM puts on one local 3-node cluster (RF 3, insecure, one gRPC
# event loop per node), in one run: 100k keys preloaded, then alternating closed-loop windows of
# `kvctl bench`: puts and CASes over 100k keys (uncontended), and CASes on one key from 4 and 16
# clients (contended). Each line: ops/s, latency, the nodes' CPU per operation, and Paxos prepare
# rounds per CAS (kv_cas_total from /metrics; 1.00 = no round lost to contention).
# usage: bash src/bench/cas.sh [ROUNDS]      DURATION (default 20s) and WARMUP (10s) per window
set -euo pipefail
ROUNDS=${1:-2}
cd "$(dirname "$0")/../.."
source src/bench/lib.sh
JAR=$(realpath target/node.jar)
WARMUP=${WARMUP:-10s}; DURATION=${DURATION:-20s}
TARGETS=127.0.0.1:46101,127.0.0.1:46102,127.0.0.1:46103
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"' EXIT
for i in 1 2 3; do
  java -Xmx256m -jar "$JAR" -conf "{\"nodeId\":\"node$i\",\"grpcPort\":4610$i,\"httpPort\":4620$i,\"peerPort\":4630$i,\"insecure\":true,\"dataDir\":\"$work/node$i\",\"replicationFactor\":3,\"grpcInstances\":1,\"logLevel\":\"WARN\",\"seeds\":[\"127.0.0.1:46301\",\"127.0.0.1:46302\",\"127.0.0.1:46303\"]}" > "$work/node$i.log" 2>&1 &
  pids+=($!)
done
for p in 46201 46202 46203; do
  for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$p/healthz" > /dev/null && break; sleep 0.5; done
done
# every key holds the value the CAS windows expect ("v" x 100)
java -jar "$JAR" kvctl bench --targets $TARGETS --op put --preload --keys 100000 --requests 1 --warmup 0s > /dev/null

cas_events() { # sum over the nodes of kv_cas_total{event=$1}
  local t=0 p v
  for p in 46201 46202 46203; do
    v=$(curl -sf "http://127.0.0.1:$p/metrics" | awk -v e="event=\"$1\"" 'index($0, "kv_cas_total{") == 1 && index($0, e) { s += $NF } END { printf "%d", s }')
    v=${v:-0}
    t=$((t + v))
  done
  echo $t
}

window() { # label op keys concurrency
  local label=$1 op=$2 keys=$3 c=$4 r0 a0 r1 a1 line
  r0=$(cas_events round.prepare); a0=$(cas_events applied)
  line=$(BENCH_KEYS=$keys measure "$JAR" "$work/bench" $TARGETS "$op" "$c" "$WARMUP" "$DURATION" "${pids[@]}" | sed 's/.*targets=\[[^]]*\]: //')
  r1=$(cas_events round.prepare); a1=$(cas_events applied)
  if [ "$op" = cas ]; then
    line="$line  prepare rounds/CAS $(awk -v r=$((r1 - r0)) -v a=$((a1 - a0)) 'BEGIN { printf "%.2f", (a > 0 ? r / a : 0) }')"
  fi
  printf '%-34s %s\n' "$label" "$line"
}

for _ in $(seq 1 "$ROUNDS"); do
  window "put, 100k keys, 16 in flight" put 100000 16
  window "cas, 100k keys, 16 in flight" cas 100000 16
  window "cas, 1 key, 4 in flight" cas 1 4
  window "cas, 1 key, 16 in flight" cas 1 16
done
