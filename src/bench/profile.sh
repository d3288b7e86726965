#!/usr/bin/env bash
# Where a local 3-node cluster's CPU goes (RF 3, QUORUM, one gRPC event loop per node, insecure
# peer port): fresh nodes, 100k preloaded keys, `kvctl bench --op OP` at C in flight for
# WARMUP + DURATION; every node records JFR's CPU-time samples (jdk.CPUTimeSample, Java 25 on
# Linux: Java stacks of threads on CPU, native code such as SQLite's under the Java method that
# called it) over DURATION after WARMUP. Prints the run's ops/s and CPU per op, then each node's
# samples by component; the recordings stay in OUT (default target/profile) for JDK Mission
# Control or `jfr print`.
# usage: bash src/bench/profile.sh      OP (put|get), C, WARMUP, DURATION; NODE_JAVA (a Java 25 java)
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/bench/lib.sh
OP=${OP:-put}; C=${C:-64}; WARMUP=${WARMUP:-20s}; DURATION=${DURATION:-20s}
NODE_JAVA=${NODE_JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
OUT=$(mkdir -p "${OUT:-target/profile}" && realpath "${OUT:-target/profile}")
JAR=target/node.jar
JDK_BIN=$(dirname "$(readlink -f "$NODE_JAVA")")
rm -f "$OUT"/*.jfr
TARGETS=127.0.0.1:46101,127.0.0.1:46102,127.0.0.1:46103
WORK=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"' EXIT
for i in 1 2 3; do
  "$NODE_JAVA" -Xmx256m -jar $JAR -conf "{\"nodeId\":\"node$i\",\"grpcPort\":4610$i,\"httpPort\":4620$i,\"peerPort\":4630$i,\"insecure\":true,\"dataDir\":\"$WORK/node$i\",\"replicationFactor\":3,\"grpcInstances\":1,\"logLevel\":\"WARN\",\"seeds\":[\"127.0.0.1:46301\",\"127.0.0.1:46302\",\"127.0.0.1:46303\"]}" > "$WORK/node$i.log" 2>&1 &
  PIDS+=($!)
done
for p in 46201 46202 46203; do
  for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$p/healthz" > /dev/null && break; sleep 0.5; done
done
java -jar $JAR kvctl bench --targets $TARGETS --op put --preload --keys 100000 --requests 1 --warmup 0s > /dev/null
(
  until grep -q "warming up" "$WORK/bench.txt" 2>/dev/null; do sleep 0.1; done
  sleep "${WARMUP%s}"
  i=1
  for p in "${PIDS[@]}"; do
    "$JDK_BIN/jcmd" "$p" JFR.start name=cpu settings=profile "jdk.CPUTimeSample#enabled=true" "jdk.CPUTimeSample#throttle=1ms" \
      filename="$OUT/node$i.jfr" > /dev/null
    i=$((i + 1))
  done
  sleep "${DURATION%s}"
  for p in "${PIDS[@]}"; do "$JDK_BIN/jcmd" "$p" JFR.stop name=cpu > /dev/null; done
) &
PROFILER=$!
echo "$(measure $JAR "$WORK/bench" $TARGETS "$OP" "$C" "$WARMUP" "$DURATION" "${PIDS[@]}" | sed 's/.*targets=\[[^]]*\]: //')"
wait $PROFILER
for f in "$OUT"/node*.jfr; do
  "$JDK_BIN/jfr" print --json --events jdk.CPUTimeSample "$f" > "${f%.jfr}.json"
done
python3 - "$OUT" <<'PY'
import collections, glob, json, sys
# a sample belongs to the component of the frame nearest its leaf that a rule matches (JDK frames
# count for the caller that matches): self time by component
rules = [("SQLite and sqlite-jdbc", ["org/sqlite/"]),
         ("JDBC client (Vert.x)", ["io/vertx/jdbcclient", "io/vertx/sqlclient"]),
         ("HTTP/2 (Netty)", ["io/netty/handler/codec/http2"]),
         ("TLS", ["javax/net/ssl", "sun/security/ssl", "io/netty/handler/ssl"]),
         ("gRPC and protobuf", ["io/vertx/grpc", "com/google/protobuf", "kv/Kv", "kv/KeyValue"]),
         ("event bus", ["io/vertx/core/eventbus", "io/vertx/core/impl/eventbus"]),
         ("metrics (Micrometer)", ["io/micrometer", "HdrHistogram"]),
         ("our code (coordinator, replication, storage, gossip)", ["kvstore/"]),
         ("Netty channel I/O and epoll", ["io/netty/channel", "io/netty/buffer", "sun/nio/ch"]),
         ("Vert.x core (contexts, futures, timers)", ["io/vertx/core"]),
         ("Netty event loop, task queues", ["io/netty/util"])]
for f in sorted(glob.glob(sys.argv[1] + "/node*.json")):
    events = json.load(open(f))["recording"]["events"]
    by = collections.Counter()
    threads = collections.Counter()
    for e in events:
        frames = (e["values"].get("stackTrace") or {}).get("frames") or []
        names = [fr["method"]["type"]["name"] + "." + fr["method"]["name"] for fr in frames]
        name = next((n for frame in names for n, keys in rules if any(k in frame for k in keys)), "other (JDK: GC, JIT, and JDK code alone)")
        by[name] += 1
        t = e["values"]["eventThread"]["javaName"] if e["values"].get("eventThread") else "?"
        threads[t.rstrip("0123456789-")] += 1
    total = max(1, sum(by.values()))
    print(f"{f.rsplit('/', 1)[-1][:-5]}: {total} CPU-time samples")
    for n, c in by.most_common():
        print(f"  {100 * c / total:5.1f}%  {n}")
    print("  by thread: " + ", ".join(f"{t} {100 * c / total:.0f}%" for t, c in threads.most_common(6)))
PY
