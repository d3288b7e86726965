#!/usr/bin/env bash
# A/B of two builds on a local 3-node cluster (RF 3, QUORUM, one gRPC event loop per node), run
# alternately so the machine's drift hits both alike: each run starts three fresh nodes, preloads
# 100k keys, then `kvctl bench` (WARMUP warm-up, DURATION measured, in the same client process)
# and prints ops/s, latency and the nodes' CPU per operation over the measured window.
# usage: bash src/bench/cluster-ab.sh JAR_A JAR_B [PAIRS]     OP (put|get|mixed), C (in flight),
# WARMUP, DURATION (whole seconds with an s) and EXTRA (JSON members added to each node's config,
# e.g. EXTRA='"storageSync":"NORMAL",') override put, 64, 20s, 20s and nothing. JAVA_A and JAVA_B
# (default java) are the java commands the nodes of A and B run on, so one jar can be compared on
# two JVMs: JAVA_B=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java bash src/bench/cluster-ab.sh
# target/node.jar target/node.jar. The load generator always runs on the default java.
set -euo pipefail
A=$(realpath "$1"); B=$(realpath "$2"); PAIRS=${3:-2}
cd "$(dirname "$0")/../.."
source src/bench/lib.sh
OP=${OP:-put}; C=${C:-64}; WARMUP=${WARMUP:-20s}; DURATION=${DURATION:-20s}; EXTRA=${EXTRA:-}
TARGETS=127.0.0.1:46101,127.0.0.1:46102,127.0.0.1:46103

run() { # label jar java
  local label=$1 jar=$2 java=$3 work pids=() i p
  work=$(mktemp -d)
  trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"' RETURN
  for i in 1 2 3; do
    $java -Xmx256m -jar "$jar" -conf "{\"nodeId\":\"node$i\",\"grpcPort\":4610$i,\"httpPort\":4620$i,\"dataDir\":\"$work/node$i\",\"replicationFactor\":3,\"grpcInstances\":1,\"logLevel\":\"WARN\",$EXTRA\"seeds\":[\"127.0.0.1:46201\",\"127.0.0.1:46202\",\"127.0.0.1:46203\"]}" > "$work/node$i.log" 2>&1 &
    pids+=($!)
  done
  for p in 46201 46202 46203; do
    for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$p/healthz" > /dev/null && break; sleep 0.5; done
  done
  java -jar "$jar" kvctl bench --targets $TARGETS --op put --preload --keys 100000 --requests 1 --warmup 0s > /dev/null
  printf '%s %s  %s\n' "$label" "$(basename "$jar")" "$(measure "$jar" "$work/bench" $TARGETS "$OP" "$C" "$WARMUP" "$DURATION" "${pids[@]}" \
    | sed 's/.*targets=\[[^]]*\]: //')"
}

for _ in $(seq 1 "$PAIRS"); do
  run A "$A" "${JAVA_A:-java}"
  run B "$B" "${JAVA_B:-java}"
done
