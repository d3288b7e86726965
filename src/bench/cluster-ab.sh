#!/usr/bin/env bash
# A/B of two builds on a local 3-node cluster (RF 3, QUORUM, one gRPC event loop per node), run
# alternately so the machine's drift hits both alike: each run starts three fresh nodes, preloads
# 100k keys, then `kvctl bench` (WARMUP warm-up, DURATION measured, in the same client process)
# and prints ops/s, latency and the nodes' CPU per operation over the measured window.
# usage: bash src/bench/cluster-ab.sh JAR_A JAR_B [PAIRS]     OP (put|get|mixed), C (in flight),
# WARMUP, DURATION (whole seconds with an s) and EXTRA (JSON members added to each node's config,
# e.g. EXTRA='"storageSync":"NORMAL",') override put, 64, 20s, 20s and nothing; EXTRA_A and EXTRA_B
# add members to one side only, so one jar can be measured with two settings:
# EXTRA_A='"walCheckpointMaxIntervalMs":20,' bash src/bench/cluster-ab.sh target/node.jar target/node.jar. SECURE_A=1 or
# SECURE_B=1 runs that side's nodes with mutual TLS on the peer port (certificates made once by the
# jar's `certs` command); otherwise it is insecure, so one jar can be measured with security on and
# off: SECURE_B=1 bash src/bench/cluster-ab.sh target/node.jar target/node.jar. JAVA_A and JAVA_B
# (default java) are the java commands the nodes of A and B run on, so one jar can be compared on
# two JVMs: JAVA_B=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java bash src/bench/cluster-ab.sh
# target/node.jar target/node.jar. The load generator always runs on the default java.
set -euo pipefail
A=$(realpath "$1"); B=$(realpath "$2"); PAIRS=${3:-2}
cd "$(dirname "$0")/../.."
source src/bench/lib.sh
OP=${OP:-put}; C=${C:-64}; WARMUP=${WARMUP:-20s}; DURATION=${DURATION:-20s}; EXTRA=${EXTRA:-}
TARGETS=127.0.0.1:46101,127.0.0.1:46102,127.0.0.1:46103

CERTS=$(mktemp -d)
trap 'rm -rf "$CERTS"' EXIT
java -jar "$A" certs --dir "$CERTS" node1 node2 node3 > /dev/null

run() { # label jar java secure extra
  local label=$1 jar=$2 java=$3 secure=$4 extra=$5 work pids=() i p tls
  work=$(mktemp -d)
  trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"' RETURN
  for i in 1 2 3; do
    if [ "$secure" = 1 ]; then
      tls="\"tlsCaFile\":\"$CERTS/ca.pem\",\"tlsCertFile\":\"$CERTS/node$i.pem\",\"tlsKeyFile\":\"$CERTS/node$i-key.pem\","
    else
      tls='"insecure":true,'
    fi
    $java -Xmx256m -jar "$jar" -conf "{\"nodeId\":\"node$i\",\"grpcPort\":4610$i,\"httpPort\":4620$i,\"peerPort\":4630$i,$tls\"dataDir\":\"$work/node$i\",\"replicationFactor\":3,\"grpcInstances\":1,\"logLevel\":\"WARN\",$EXTRA$extra\"seeds\":[\"127.0.0.1:46301\",\"127.0.0.1:46302\",\"127.0.0.1:46303\"]}" > "$work/node$i.log" 2>&1 &
    pids+=($!)
  done
  for p in 46201 46202 46203; do
    for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$p/healthz" > /dev/null && break; sleep 0.5; done
  done
  java -jar "$jar" kvctl bench --targets $TARGETS --op put --preload --keys 100000 --requests 1 --warmup 0s > /dev/null
  printf '%s %s%s%s  %s\n' "$label" "$(basename "$jar")" "$([ "$secure" = 1 ] && echo ' mTLS' || echo ' insecure')" "${extra:+ $extra}" "$(measure "$jar" "$work/bench" $TARGETS "$OP" "$C" "$WARMUP" "$DURATION" "${pids[@]}" \
    | sed 's/.*targets=\[[^]]*\]: //')"
}

for _ in $(seq 1 "$PAIRS"); do
  run A "$A" "${JAVA_A:-java}" "${SECURE_A:-0}" "${EXTRA_A:-}"
  run B "$B" "${JAVA_B:-java}" "${SECURE_B:-0}" "${EXTRA_B:-}"
done
