#!/usr/bin/env bash
# Where a local 3-node cluster's CPU goes (RF 3, QUORUM, one gRPC event loop per node, insecure
# peer port): fresh nodes, 100k preloaded keys, `kvctl bench --op OP` at C in flight for
# WARMUP + DURATION; async-profiler (tools.profiler:async-profiler 4.1 from Maven Central, attached
# with jcmd) samples every node's CPU over DURATION after WARMUP. Prints the run's ops/s and CPU
# per op, and each node's samples by component; collapsed stacks stay in OUT (default
# target/profile) for a flame graph.
# usage: bash src/bench/profile.sh      OP (put|get), C, WARMUP, DURATION, NODE_JAVA as in perf.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/bench/lib.sh
OP=${OP:-put}; C=${C:-64}; WARMUP=${WARMUP:-20s}; DURATION=${DURATION:-20s}
NODE_JAVA=${NODE_JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
OUT=${OUT:-target/profile}
JAR=target/node.jar
JCMD=$(dirname "$(readlink -f "$NODE_JAVA")")/jcmd
AP_JAR=$HOME/.m2/repository/tools/profiler/async-profiler/4.1/async-profiler-4.1-linux-x64.jar
[ -f "$AP_JAR" ] || mvn -B -q dependency:get -Dartifact=tools.profiler:async-profiler:4.1:jar:linux-x64
mkdir -p "$OUT"; rm -f "$OUT"/*.collapsed
(cd "$OUT" && unzip -o -q "$AP_JAR" 'linux-x64/*')
LIB=$(realpath "$OUT/linux-x64/libasyncProfiler.so")
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
  for p in "${PIDS[@]}"; do "$JCMD" "$p" JVMTI.agent_load "$LIB" "start,event=cpu,interval=1ms" > /dev/null; done
  sleep "${DURATION%s}"
  i=1
  for p in "${PIDS[@]}"; do "$JCMD" "$p" JVMTI.agent_load "$LIB" "stop,collapsed,file=$(realpath "$OUT")/node$i.collapsed" > /dev/null; i=$((i + 1)); done
) &
PROFILER=$!
echo "$(measure $JAR "$WORK/bench" $TARGETS "$OP" "$C" "$WARMUP" "$DURATION" "${PIDS[@]}" | sed 's/.*targets=\[[^]]*\]: //')"
wait $PROFILER
python3 - "$OUT" <<'PY'
import collections, glob, sys
# a sample belongs to the component of the frame nearest its leaf that any rule matches (kernel
# and JDK frames count for the caller that matches): self time by component
rules = [("SQLite (native, under sqlite-jdbc)", ["libsqlitejdbc", "sqlite3"]),
         ("JDBC client and sqlite-jdbc (Java)", ["io/vertx/jdbcclient", "org/sqlite", "io/vertx/sqlclient"]),
         ("WAL checkpoint", ["WalCheckpoint"]),
         ("HTTP/2 (Netty)", ["io/netty/handler/codec/http2"]),
         ("gRPC (Vert.x gRPC, protobuf)", ["io/vertx/grpc", "com/google/protobuf", "kv/Kv"]),
         ("event bus", ["io/vertx/core/eventbus", "io/vertx/core/impl/EventBus"]),
         ("coordinator, replication, storage (ours)", ["kvstore/"]),
         ("Netty I/O and epoll", ["io/netty/channel", "epoll", "io/netty/util/concurrent"]),
         ("JIT compiler", ["CompileBroker", "C2Compiler", "C1Compiler", "Compile::"]),
         ("GC", ["G1", "GC", "gc_"])]
for f in sorted(glob.glob(sys.argv[1] + "/*.collapsed")):
    total = 0
    by = collections.Counter()
    for line in open(f):
        stack, _, n = line.rstrip().rpartition(" ")
        n = int(n); total += n
        name = next((name for frame in reversed(stack.split(";")) for name, keys in rules
                     if any(k in frame for k in keys)), "other (JDK, kernel, Vert.x core)")
        by[name] += n
    print(f"{f.rsplit('/', 1)[-1]}: {total} samples")
    for name, n in by.most_common():
        print(f"  {100 * n / total:5.1f}%  {name}")
PY
