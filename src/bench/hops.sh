#!/usr/bin/env bash
# What one QUORUM operation costs in hand-offs, messages and system calls, per node: a fresh local
# 3-node cluster (RF 3, one event loop and one gRPC verticle per node, insecure peer port, as
# perf.sh runs it), 100k preloaded keys, `kvctl bench` through node1 only, so node1 is the
# coordinator (and a replica) and node2 and node3 are replicas only. For each OP and each C (in
# flight), over DURATION after WARMUP, per operation and per node:
#   - system calls (perf's raw_syscalls tracepoint), and of them futex (a thread parked or woken),
#     epoll waits, socket reads and writes, and the database file's pwrite/pread/fdatasync;
#   - thread wake-ups: voluntary context switches per thread group (/proc/PID/task/*/status), a
#     thread that went to sleep for lack of work and had to be woken by a hand-off;
#   - messages: replica RPCs the coordinator sent (kv_replica_batch_items: Write, ReadMany) and
#     event-bus requests to its own storage writer (local_write), each a request and an answer.
# usage: bash src/bench/hops.sh [OUT]      OPS ("put get"), CS ("1 16 64"), WARMUP (10s), DURATION (10s),
# EXTRA (JSON members added to every node's config, e.g. EXTRA='"storageSync":"NORMAL",')
# Needs perf (linux-perf) with tracepoints readable (root). A benchmark, not a CI test.
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/bench/lib.sh
OPS=${OPS:-"put get"}; CS=${CS:-"1 16 64"}; WARMUP=${WARMUP:-10s}; DURATION=${DURATION:-10s}; EXTRA=${EXTRA:-}
OUT=$(mkdir -p "${1:-target/hops}" && realpath "${1:-target/hops}")
JAR=target/node.jar
[ -f $JAR ] || mvn -q -B -DskipTests package
command -v perf > /dev/null || { echo "hops.sh needs perf (apt-get install linux-perf)"; exit 1; }
TARGET=127.0.0.1:46101
WORK=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"' EXIT
for i in 1 2 3; do
  java -Xmx256m -jar $JAR -conf "{\"nodeId\":\"node$i\",\"grpcPort\":4610$i,\"httpPort\":4620$i,\"peerPort\":4630$i,\"insecure\":true,\"dataDir\":\"$WORK/node$i\",\"replicationFactor\":3,\"grpcInstances\":1,\"eventLoops\":1,\"logLevel\":\"WARN\",$EXTRA\"seeds\":[\"127.0.0.1:46301\",\"127.0.0.1:46302\",\"127.0.0.1:46303\"]}" > "$WORK/node$i.log" 2>&1 &
  PIDS+=($!)
done
for p in 46201 46202 46203; do
  for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$p/healthz" > /dev/null && break; sleep 0.5; done
done
java -jar $JAR kvctl bench --targets 127.0.0.1:46101,127.0.0.1:46102,127.0.0.1:46103 --op put --preload --keys 100000 --requests 1 --warmup 0s > /dev/null

EVENTS=raw_syscalls:sys_enter,syscalls:sys_enter_futex,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_epoll_pwait
EVENTS=$EVENTS,syscalls:sys_enter_read,syscalls:sys_enter_write,syscalls:sys_enter_writev,syscalls:sys_enter_recvfrom,syscalls:sys_enter_sendmsg
EVENTS=$EVENTS,syscalls:sys_enter_pwrite64,syscalls:sys_enter_pread64,syscalls:sys_enter_fdatasync,syscalls:sys_enter_fsync

# threads PID: "name voluntary_switches" per thread, digits stripped from the name
threads() {
  local t
  for t in /proc/$1/task/*; do
    printf '%s %s\n' "$(tr -d ' ' < "$t/comm" 2>/dev/null | sed 's/[0-9-]*$//')" \
      "$(awk '/^voluntary_ctxt_switches/ { print $2 }' "$t/status" 2>/dev/null || echo 0)"
  done
}

: > "$OUT/raw.txt"
export -f threads
for op in $OPS; do
  for c in $CS; do
    tag="$op-c$c"
    # the bench runs past the counted window on both sides, so every counted second is under load
    java -jar $JAR kvctl bench --targets $TARGET --op "$op" --concurrency "$c" --warmup "$WARMUP" --duration "$((${DURATION%s} * 3 + 20))s" \
      --keys 100000 --value-size 100 --json "$WORK/$tag.json" > "$WORK/$tag.txt" 2>&1 &
    bench=$!
    until grep -q "warming up" "$WORK/$tag.txt" 2>/dev/null; do sleep 0.1; done
    sleep "$((${WARMUP%s} + 1))"
    i=1; perfs=()
    for p in "${PIDS[@]}"; do
      # perf starts the command once its counters are on: the snapshots and the clock inside it
      # bound exactly the counted window
      perf stat -x, -e "$EVENTS" -p "$p" -o "$WORK/$tag-node$i.perf" -- bash -c "
        threads $p > $WORK/$tag-node$i.threads0; curl -s http://127.0.0.1:4620$i/metrics > $WORK/$tag-node$i.metrics0
        curl -s http://127.0.0.1:46201/metrics | grep ^kv_rpc_requests_total > $WORK/$tag-node$i.served0
        date +%s.%N > $WORK/$tag-node$i.t0; sleep ${DURATION%s}; date +%s.%N > $WORK/$tag-node$i.t1
        curl -s http://127.0.0.1:46201/metrics | grep ^kv_rpc_requests_total > $WORK/$tag-node$i.served1
        threads $p > $WORK/$tag-node$i.threads1; curl -s http://127.0.0.1:4620$i/metrics > $WORK/$tag-node$i.metrics1" &
      perfs+=($!)
      i=$((i + 1))
    done
    wait "${perfs[@]}" || { echo "perf failed:"; cat "$WORK/$tag"-node*.perf; exit 1; }
    if kill -0 $bench 2>/dev/null; then wait $bench; else echo "$tag: the bench ended before the counted window did:"; cat "$WORK/$tag.txt"; exit 1; fi
    cp "$WORK/$tag"* "$OUT/"
    echo "$tag $(tail -2 "$WORK/$tag.txt" | tr '\n' ' ')" | tee -a "$OUT/raw.txt"
  done
done

python3 - "$OUT" $OPS -- $CS <<'PY'
import collections, json, re, sys
out = sys.argv[1]
rest = sys.argv[2:]
ops, cs = rest[:rest.index("--")], rest[rest.index("--") + 1:]
SHORT = {"raw_syscalls:sys_enter": "syscalls", "syscalls:sys_enter_futex": "futex"}
def perf(path):
    counts = collections.Counter()
    for line in open(path):
        parts = line.strip().split(",")
        if len(parts) > 2 and parts[0].replace(".", "").isdigit():
            counts[parts[2]] += int(float(parts[0]))
    got = collections.Counter()
    for k, v in counts.items():
        name = SHORT.get(k, k.replace("syscalls:sys_enter_", ""))
        name = {"epoll_pwait": "epoll", "epoll_wait": "epoll", "writev": "socket write", "write": "socket write",
                "sendmsg": "socket write", "read": "socket read", "recvfrom": "socket read", "fsync": "fdatasync"}.get(name, name)
        got[name] += v
    return got
def threads(path):
    t = collections.Counter()
    for line in open(path):
        name, n = line.rsplit(" ", 1)
        t[name] += int(n)
    return t
def served(path):
    # the client calls node1 had served, read at one end of a node's counted window
    return sum(float(line.rsplit(" ", 1)[1]) for line in open(path) if line.startswith("kv_rpc_requests_total"))
def metric(path, name, kind):
    for line in open(path):
        if line.startswith(name) and f'kind="{kind}"' in line:
            return float(line.rsplit(" ", 1)[1])
    return 0.0
rows = []
for op in ops:
    for c in cs:
        tag = f"{op}-c{c}"
        res = json.load(open(f"{out}/{tag}.json"))
        ok, bench_secs = res["ok"], res["seconds"]
        print(f"\n{op} at {c} in flight: {ok / bench_secs:,.0f} ops/s over the bench (slower while counted), per operation:")
        for i in (1, 2, 3):
            # the client calls node1 served while this node's counters ran (counting slows the nodes,
            # so the bench's own average rate would not do)
            n = served(f"{out}/{tag}-node{i}.served1") - served(f"{out}/{tag}-node{i}.served0")
            role = "coordinator" if i == 1 else "replica"
            p = perf(f"{out}/{tag}-node{i}.perf")
            t0, t1 = threads(f"{out}/{tag}-node{i}.threads0"), threads(f"{out}/{tag}-node{i}.threads1")
            wake = {k: (t1[k] - t0.get(k, 0)) / n for k in t1 if (t1[k] - t0.get(k, 0)) / n >= 0.01}
            line = f"  node{i} ({role}): " + ", ".join(f"{k} {v / n:.2f}" for k, v in sorted(p.items(), key=lambda kv: -kv[1]) if v / n >= 0.01)
            print(line)
            print(f"    wake-ups {sum(wake.values()):.2f}: " + ", ".join(f"{k} {v:.2f}" for k, v in sorted(wake.items(), key=lambda kv: -kv[1])))
            if i == 1:
                m0, m1 = f"{out}/{tag}-node1.metrics0", f"{out}/{tag}-node1.metrics1"
                msgs = {}
                for kind in ("write", "read", "local_write"):
                    calls = metric(m1, "kv_replica_batch_items_count", kind) - metric(m0, "kv_replica_batch_items_count", kind)
                    items = metric(m1, "kv_replica_batch_items_sum", kind) - metric(m0, "kv_replica_batch_items_sum", kind)
                    if calls > 0:
                        msgs[kind] = (calls / n, items / calls)
                print("    sent: " + ", ".join(f"{k} calls {a:.2f} ({b:.1f} items each)" for k, (a, b) in msgs.items()))
            rows.append((op, c, i, p, sum(wake.values()), n))
print("\n| op | in flight | node | system calls | futex | epoll | socket reads / writes | pwrite / fdatasync | thread wake-ups |")
print("|---|---|---|---|---|---|---|---|---|")
for op, c, i, p, w, n in rows:
    print(f"| {op} | {c} | {'node1, coordinator' if i == 1 else f'node{i}, replica'} | " + " | ".join([
        f"{p['syscalls'] / n:.1f}", f"{p['futex'] / n:.1f}", f"{p['epoll'] / n:.1f}",
        f"{p['socket read'] / n:.1f} / {p['socket write'] / n:.1f}", f"{p['pwrite64'] / n:.2f} / {p['fdatasync'] / n:.2f}",
        f"{w:.1f}"]) + " |")
PY
