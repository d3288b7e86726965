#!/usr/bin/env bash
# YCSB side by side: the standard YCSB client (site.ycsb:core 0.17.0) runs workloads A, B, C, D and F
# against our 3-node cluster (RF 3, QUORUM, kvstore.ycsb.KvStoreClient over gRPC) and against a
# 3-node Apache Cassandra 5.0.4 cluster started here from Maven Central's cassandra-all (RF 3,
# QUORUM, commitlog_sync group, kvstore.ycsb.CqlClient over the DataStax driver 4.17), one after
# the other in one run, with the same record count, record size, threads and target rates. For each
# workload: closed-loop throughput, then A, B and C open-loop at the same target (TARGET_PCT of the
# smaller of the two closed-loop maxima) with latency from each intended start
# (measurement.interval=intended); servers' CPU per operation from /proc for every run.
# usage: bash src/bench/ycsb.sh [OUT_DIR]    (from the repository root; a benchmark, not a CI test)
# env: RECORDS (100000), THREADS (16), SECONDS_PER_RUN (30), TARGET_PCT (50), SKIP_CASSANDRA=1;
# WORKLOADS ("a b c d f", closed loop) and OPEN_WORKLOADS ("a b c", open loop) choose the runs; LWT=1
# makes every update a compare-and-set on ours (kvstore.cas) and a lightweight transaction on
# Cassandra's (cql.lwt, Paxos v2): e.g. LWT=1 WORKLOADS=a OPEN_WORKLOADS=a bash src/bench/ycsb.sh target/ycsb-lwt;
# KV_OPEN_TARGETS="a:178 b:276 c:425" runs only ours: load, warm up, open loop at those targets;
# YCSB_JAVA_OPTS adds JVM options to the YCSB client (e.g. -XX:StartFlightRecording=filename=c.jfr).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-target/ycsb}
RECORDS=${RECORDS:-100000}
THREADS=${THREADS:-16}
SECS=${SECONDS_PER_RUN:-30}
TARGET_PCT=${TARGET_PCT:-50}
WORK=$(mktemp -d)
mkdir -p "$OUT"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
source src/bench/lib.sh

echo "building node.jar, the binding and the classpaths"
mvn -B -q -DskipTests package test-compile
mvn -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$WORK/kv.cp" > /dev/null
KV_CP="target/test-classes:target/classes:$(cat "$WORK/kv.cp")"
(cd src/bench/cassandra && mvn -B -q package -DskipTests && mvn -B -q dependency:build-classpath -Dmdep.outputFile="$WORK/c.cp" > /dev/null)
C_CP="src/bench/cassandra/target/classes:$(cat "$WORK/c.cp")"

# ycsb SYSTEM PHASE WORKLOAD EXTRA... : one YCSB client run; output in OUT/SYSTEM-PHASE.txt
ycsb() {
  local system=$1 phase=$2 workload=$3
  shift 3
  local cp db props
  if [ "$system" = kvstore ]; then
    cp=$KV_CP; db=kvstore.ycsb.KvStoreClient; props=(-p kvstore.targets=127.0.0.1:47101,127.0.0.1:47102,127.0.0.1:47103 -p kvstore.consistency=QUORUM)
    if [ -n "${LWT:-}" ]; then props+=(-p kvstore.cas=true); fi
  else
    cp=$C_CP; db=kvstore.ycsb.CqlClient; props=(-p cql.hosts=127.0.0.1:9042,127.0.0.2:9042,127.0.0.3:9042 -p cql.consistency=QUORUM)
    if [ -n "${LWT:-}" ]; then props+=(-p cql.lwt=true); fi
  fi
  # shellcheck disable=SC2086 # YCSB_JAVA_OPTS is a list of JVM options
  java ${YCSB_JAVA_OPTS:-} -Dlogback.configurationFile=src/bench/cassandra/logback-client.xml -cp "$cp" site.ycsb.Client "$@" -db $db -P "src/bench/ycsb/$workload" -p recordcount="$RECORDS" -threads "$THREADS" \
    "${props[@]}" > "$OUT/$system-$phase.txt" 2>&1
}
field() { # FILE SECTION METRIC
  awk -F', ' -v s="[$2]" -v m="$3" '$1 == s && $2 == m { print $3 }' "$1" | head -1
}

run_all() { # SYSTEM PID...
  local system=$1
  shift
  echo "[$system] loading $RECORDS records"
  ycsb "$system" load workloada -load
  for w in ${WORKLOADS:-a b c d f}; do
    local t0 t1 ops
    t0=$(cpu_ticks "$@")
    ycsb "$system" "run-$w" "workload$w" -t -p operationcount=100000000 -p maxexecutiontime="$SECS"
    t1=$(cpu_ticks "$@")
    ops=$(field "$OUT/$system-run-$w.txt" OVERALL "Operations" || true)
    ops=${ops:-$(awk -F', ' '$2 == "Operations" { s += $3 } END { print s + 0 }' "$OUT/$system-run-$w.txt")}
    printf '%-9s workload %s closed-loop: %s ops/s, read p99 %s us, update p99 %s us, server CPU %d us/op\n' "$system" "$w" \
      "$(field "$OUT/$system-run-$w.txt" OVERALL "Throughput(ops/sec)")" "$(field "$OUT/$system-run-$w.txt" READ "99thPercentileLatency(us)")" \
      "$(field "$OUT/$system-run-$w.txt" UPDATE "99thPercentileLatency(us)")" \
      $(( (t1 - t0) * 1000000 / $(getconf CLK_TCK) / (ops > 0 ? ops : 1) )) | tee -a "$OUT/summary.txt"
  done
}

open_loop() { # SYSTEM WORKLOAD TARGET PID...
  local system=$1 w=$2 target=$3 t0 t1 ops
  shift 3
  t0=$(cpu_ticks "$@")
  ycsb "$system" "open-$w" "workload$w" -t -target "$target" -p operationcount=$((target * SECS)) -p maxexecutiontime="$SECS" \
    -p measurement.interval=intended
  t1=$(cpu_ticks "$@")
  ops=$(awk -F', ' '$2 == "Operations" && $1 != "[OVERALL]" && $1 !~ /CLEANUP|FAILED/ { s += $3 } END { print s + 0 }' "$OUT/$system-open-$w.txt")
  printf '%-9s workload %s open-loop at %s/s: %s ops/s, read p99 %s us, update p99 %s us (from the intended start), server CPU %d us/op\n' \
    "$system" "$w" "$target" "$(field "$OUT/$system-open-$w.txt" OVERALL "Throughput(ops/sec)")" \
    "$(field "$OUT/$system-open-$w.txt" READ "99thPercentileLatency(us)")" \
    "$(field "$OUT/$system-open-$w.txt" UPDATE "99thPercentileLatency(us)")" \
    $(( (t1 - t0) * 1000000 / $(getconf CLK_TCK) / (ops > 0 ? ops : 1) )) | tee -a "$OUT/summary.txt"
}

: > "$OUT/summary.txt"
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1); $(date -u '+%Y-%m-%d %H:%M UTC')" | tee -a "$OUT/summary.txt"
if [ -n "${LWT:-}" ]; then
  echo "updates: compare-and-sets on ours (kvstore.cas), lightweight transactions on Cassandra's (cql.lwt, Paxos v2)" | tee -a "$OUT/summary.txt"
fi

# --- ours: 3 nodes, RF 3, default durability (storageSync FULL), no TLS (as Cassandra's default) ---
start_kvstore() { # (re)starts our three nodes on their data, pids in kv
  kv=()
  for i in 1 2 3; do
    java -Xmx256m -jar target/node.jar -conf "{\"nodeId\":\"node$i\",\"grpcPort\":4710$i,\"httpPort\":4720$i,\"peerPort\":4730$i,\"insecure\":true,\"dataDir\":\"$WORK/kv$i\",\"replicationFactor\":3,\"seeds\":[\"127.0.0.1:47301\",\"127.0.0.1:47302\",\"127.0.0.1:47303\"]}" >> "$OUT/kvstore-node$i.log" 2>&1 &
    pids+=($!); kv+=($!)
  done
  for port in 47201 47202 47203; do
    for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/healthz" > /dev/null && break; sleep 0.5; done
  done
  sleep 3
}
start_kvstore
warm() { # SYSTEM: closed-loop reads and updates for 3 x SECS, so an open-loop run does not measure cold JVMs: restarted,
  # each node's JIT compilers took a third of a core for over a minute (C2 5.6 s of CPU in the first 16 s), and
  # workload A ran at 240/s against 550/s before the restart; Cassandra's open-loop runs follow its closed-loop ones
  ycsb "$1" warm workloada -t -p operationcount=100000000 -p maxexecutiontime="$((3 * SECS))"
}
settle() { # the stopped system's dirty pages (Cassandra's commit log, our WALs) reach the disk before the other one's fsyncs start
  sync
  sleep 2
}
if [ -n "${KV_OPEN_TARGETS:-}" ]; then
  ycsb kvstore load workloada -load
  warm kvstore
  for wt in $KV_OPEN_TARGETS; do open_loop kvstore "${wt%%:*}" "${wt##*:}" "${kv[@]}"; done
  echo "summary in $OUT/summary.txt"
  exit 0
fi
run_all kvstore "${kv[@]}"

cass=()
if [ -z "${SKIP_CASSANDRA:-}" ]; then
  for p in "${kv[@]}"; do kill "$p"; done
  wait "${kv[@]}" 2>/dev/null || true
  settle
  # --- Apache Cassandra 5.0.4: 3 nodes on 127.0.0.1-3, 512 MB heaps, RF 3 ---
  JPMS=(-Djdk.attach.allowAttachSelf=true --add-exports java.base/jdk.internal.misc=ALL-UNNAMED
    --add-exports java.base/jdk.internal.ref=ALL-UNNAMED --add-exports java.base/sun.nio.ch=ALL-UNNAMED
    --add-exports java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED --add-exports java.rmi/sun.rmi.registry=ALL-UNNAMED
    --add-exports java.rmi/sun.rmi.server=ALL-UNNAMED --add-exports java.sql/java.sql=ALL-UNNAMED
    --add-opens java.base/java.lang.module=ALL-UNNAMED --add-opens java.base/jdk.internal.loader=ALL-UNNAMED
    --add-opens java.base/jdk.internal.ref=ALL-UNNAMED --add-opens java.base/jdk.internal.reflect=ALL-UNNAMED
    --add-opens java.base/jdk.internal.math=ALL-UNNAMED --add-opens java.base/jdk.internal.module=ALL-UNNAMED
    --add-opens java.base/jdk.internal.util.jar=ALL-UNNAMED --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED
    --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.base/java.io=ALL-UNNAMED --add-opens java.base/java.nio=ALL-UNNAMED
    --add-opens java.base/java.util.concurrent=ALL-UNNAMED --add-opens java.base/java.util=ALL-UNNAMED
    --add-opens java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED
    --add-opens java.base/java.math=ALL-UNNAMED --add-opens java.base/java.lang.reflect=ALL-UNNAMED
    --add-opens java.base/java.net=ALL-UNNAMED --add-opens java.base/jdk.internal.misc=ALL-UNNAMED)
  for i in 1 2 3; do
    d="$WORK/cassandra$i"
    mkdir -p "$d"
    sed -e "s|@ADDR@|127.0.0.$i|g" -e "s|@DIR@|$d|g" src/bench/cassandra/cassandra.yaml.template > "$d/cassandra.yaml"
    java -Xms512m -Xmx512m -XX:+UseG1GC "${JPMS[@]}" -Dcassandra.config="file://$d/cassandra.yaml" -Dcassandra-foreground=yes \
      -Dcassandra.storagedir="$d" -Dcassandra.logdir="$d" -Dcassandra.skip_wait_for_gossip_to_settle=0 \
      -cp "$C_CP" org.apache.cassandra.service.CassandraDaemon > "$OUT/cassandra-node$i.log" 2>&1 &
    pids+=($!); cass+=($!)
    # one node at a time: Cassandra bootstraps joining nodes one by one
    for _ in $(seq 1 180); do
      (exec 3<>/dev/tcp/127.0.0.$i/9042) 2>/dev/null && break
      kill -0 "${cass[-1]}" 2>/dev/null || { echo "cassandra node $i exited: see $OUT/cassandra-node$i.log"; exit 1; }
      sleep 1
    done
  done
  java -Dlogback.configurationFile=src/bench/cassandra/logback-client.xml -cp "$C_CP" kvstore.ycsb.CqlSchema 127.0.0.1:9042 "$THREADS" > "$OUT/cassandra-schema.txt" 2>&1
  run_all cassandra "${cass[@]}"
fi

# --- open loop at the same target for both: TARGET_PCT of the smaller closed-loop maximum ---
target_for() { # WORKLOAD
  local kvmax cmax low
  kvmax=$(awk -v w="$1" '$1 == "kvstore" && $3 == w && $4 == "closed-loop:" { print int($5) }' "$OUT/summary.txt" | head -1)
  cmax=$(awk -v w="$1" '$1 == "cassandra" && $3 == w && $4 == "closed-loop:" { print int($5) }' "$OUT/summary.txt" | head -1)
  low=${kvmax:-0}
  if [ -n "${cmax:-}" ] && [ "$cmax" -lt "$low" ]; then low=$cmax; fi
  echo $((low * TARGET_PCT / 100))
}
for w in ${OPEN_WORKLOADS:-a b c}; do
  target=$(target_for $w)
  [ "$target" -lt 1 ] && continue
  if [ ${#cass[@]} -gt 0 ]; then open_loop cassandra $w $target "${cass[@]}"; fi
done
if [ ${#cass[@]} -gt 0 ]; then
  for p in "${cass[@]}"; do kill "$p"; done
  wait "${cass[@]}" 2>/dev/null || true
  settle
  start_kvstore
  warm kvstore
fi
for w in ${OPEN_WORKLOADS:-a b c}; do
  target=$(target_for $w)
  [ "$target" -lt 1 ] && continue
  open_loop kvstore $w $target "${kv[@]}"
done
echo "summary in $OUT/summary.txt"
