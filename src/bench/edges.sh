#!/usr/bin/env bash
# Figures for the edges where things fail (docs/performance.md, "Lost disks and full disks"):
# 1. A wiped node serving again: a local 3-node cluster (RF 3, QUORUM, insecure) loaded with KEYS
#    keys (default 1,000,000) of 100 bytes; node3 is killed, its dataDir deleted, and it is started
#    again with its config. Prints how long until it answers /healthz, until "[REPLACE] done" (its
#    ranges streamed back), the rows it streamed and their rate, and its integrity check at start.
# 2. A full disk on one replica (needs root for the tmpfs; skipped otherwise): a second cluster
#    whose node3 keeps its dataDir on a tmpfs. Open-loop puts (RATE/s, 1 KB values) through node1
#    and node2 for DURATION: with room, then with the tmpfs filled (a filler file takes every free
#    byte), then the filler goes and the time until node1 and node2 hold no hint for node3 is measured.
# usage: bash src/bench/edges.sh     (from the repository root, after `mvn -DskipTests package`)
# PARTS=full runs only the second part; RATE, DURATION and WARMUP (default 20s) shape its runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
KEYS=${KEYS:-1000000}
RATE=${RATE:-500}
PARTS=${PARTS:-wipe,full}
DURATION=${DURATION:-20s}
JAR=target/node.jar
WORK=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  umount -l "$WORK/tmpfs" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
echo "edges.sh $(date -u +%FT%TZ) on $(nproc) cores, $(java -version 2>&1 | head -1)"

node() {  # index, base port, dataDir
  java -Xmx512m -jar $JAR -conf "{\"nodeId\":\"node$1\",\"grpcPort\":$(($2 + $1)),\"httpPort\":$(($2 + 100 + $1)),\"peerPort\":$(($2 + 200 + $1)),\"insecure\":true,\"dataDir\":\"$3\",\"seeds\":[\"127.0.0.1:$(($2 + 201))\",\"127.0.0.1:$(($2 + 202))\",\"127.0.0.1:$(($2 + 203))\"]}" >> "$WORK/$2-node$1.log" 2>&1 &
  pids+=($!)
  eval "PID_$2_$1=$!"
}
healthy() { for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$1/healthz" > /dev/null && return 0; sleep 0.1; done; return 1; }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# ---- 1. a wiped node ----
if [[ $PARTS == *wipe* ]]; then
B=47100
for i in 1 2 3; do node $i $B "$WORK/a$i"; done
for i in 1 2 3; do healthy $((B + 100 + i)); done
sleep 3
echo "loading $KEYS keys ..."
java -jar $JAR kvctl bench --targets 127.0.0.1:$((B + 1)),127.0.0.1:$((B + 2)),127.0.0.1:$((B + 3)) --op put --consistency QUORUM \
  --concurrency 64 --keys "$KEYS" --preload --warmup 0s --requests 1 > "$WORK/load.txt" 2>&1
grep preloaded "$WORK/load.txt" || tail -3 "$WORK/load.txt"
kill -9 "$(eval echo \$PID_${B}_3)"
rm -rf "$WORK/a3"
t0=$(date +%s%N)
node 3 $B "$WORK/a3"
healthy $((B + 103))
echo "wiped node3: /healthz answers $(ms_since "$t0") ms after the process started"
until grep -q '\[REPLACE\] done' "$WORK/$B-node3.log"; do sleep 0.5; done
echo "wiped node3: its ranges streamed back $(ms_since "$t0") ms after the process started"
grep -o "this node's dataDir is empty, but.*" "$WORK/$B-node3.log" | head -1 | cut -c1-120
grep '\[REPLACE\] done' "$WORK/$B-node3.log" | sed 's/.*\[REPLACE\]/replace/'
for i in 1 2 3; do kill "$(eval echo \$PID_${B}_$i)" 2>/dev/null || true; done
sleep 2
# the integrity check of a store of this size, at a clean restart
node 1 $B "$WORK/a1"; healthy $((B + 101))
grep 'integrity check' "$WORK/$B-node1.log" | tail -1 | sed 's/.*integrity check/integrity check/' | grep . \
  || echo "integrity check: under 1 s (the node logs it from 1 s on)"
echo "  ($(du -m "$WORK/a1/kv.db" | cut -f1) MB kv.db)"
kill "$(eval echo \$PID_${B}_1)"
fi

# ---- 2. a full disk ----
mkdir -p "$WORK/tmpfs"
if ! mount -t tmpfs -o size=256m tmpfs "$WORK/tmpfs" 2>/dev/null; then
  echo "full disk: skipped (cannot mount a tmpfs here; needs root)"
  exit 0
fi
B=47400
node 1 $B "$WORK/b1"; node 2 $B "$WORK/b2"; node 3 $B "$WORK/tmpfs/b3"
for i in 1 2 3; do healthy $((B + 100 + i)); done
sleep 3
open_loop() {  # label
  java -jar $JAR kvctl bench --targets 127.0.0.1:$((B + 1)),127.0.0.1:$((B + 2)) --op put --consistency QUORUM --concurrency 64 \
    --rate "$RATE" --keys 100000 --value-size 1000 --warmup "${WARMUP:-20s}" --duration "$DURATION" > "$WORK/$1.txt" 2>&1
  echo "$1: $(tail -3 "$WORK/$1.txt" | tr '\n' ' ')"
}
open_loop "with room"
fill=$(df --output=avail -B1 "$WORK/tmpfs" | tail -1)
fallocate -l "$fill" "$WORK/tmpfs/filler" 2>/dev/null || dd if=/dev/zero of="$WORK/tmpfs/filler" bs=1M 2>/dev/null || true
echo "tmpfs filled: $(df --output=avail -B1 "$WORK/tmpfs" | tail -1) bytes left"
open_loop "node3 full"
grep 'ERROR' "$WORK/$B-node3.log" | grep -c 'is full (' | sed 's/^/ERROR lines about the full disk on node3: /'
hints() {  # hints node1 and node2 keep (all of them for node3), from the console's cluster JSON
  curl -s "http://127.0.0.1:$((B + 101))/v1/cluster" | python3 -c 'import json,sys; print(sum(n.get("hintsPending", 0) for n in json.load(sys.stdin)["nodes"] if n["nodeId"] in ("node1", "node2")))'
}
echo "hints pending for node3 on node1+node2: $(hints)"
rm -f "$WORK/tmpfs/filler"
t0=$(date +%s%N)
until [ "$(hints)" = 0 ]; do sleep 0.5; done
echo "space freed: node1 and node2 hold no hint for node3 $(ms_since "$t0") ms later"
grep -o 'has room again.*' "$WORK/$B-node3.log" | head -1 | cut -c1-80
