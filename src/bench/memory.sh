#!/usr/bin/env bash
# Memory under a long mixed load: one node with -Xmx256m, 1M keys of 100 bytes, 90/10 get/put at
# concurrency 64 for MINUTES (default 10); prints the node's RSS every 30 s, split into the part
# inside the Java heap's mapping (G1 touching more of its -Xmx256m) and the rest (metaspace, code,
# threads, Netty's direct buffers, SQLite's own malloc), and the database and WAL file sizes.
# usage: bash src/bench/memory.sh     (from the repository root, after `mvn -DskipTests package`)
# NODE_JAVA (default java) is the java command the node runs on; its JDK's jcmd reads the heap.
set -euo pipefail
cd "$(dirname "$0")/../.."
MINUTES=${MINUTES:-10}
JAR=target/node.jar
NODE_JAVA=${NODE_JAVA:-java}
JCMD=$(dirname "$(readlink -f "$(command -v "$NODE_JAVA")")")/jcmd
WORK=$(mktemp -d)
echo "node runs on: $("$NODE_JAVA" -version 2>&1 | head -1)"
"$NODE_JAVA" -Xmx256m -jar $JAR -conf "{\"nodeId\":\"mem\",\"grpcPort\":46301,\"httpPort\":46302,\"peerPort\":46303,\"insecure\":true,\"dataDir\":\"$WORK/d\",\"replicationFactor\":1}" > "$WORK/node.log" 2>&1 &
NODE=$!
trap 'kill $NODE 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 60); do curl -sf http://127.0.0.1:46302/healthz > /dev/null && break; sleep 0.5; done
rss() { awk '/VmRSS/ {printf "%.0f MB", $2/1024}' /proc/$NODE/status; }
# the heap's address range from the JVM itself (GC.heap_info: "[0x...f0000000, 0x...100000000)"), then
# the resident part of every mapping inside it: G1 splits the heap into several mappings
heap_rss() {
  local range lo hi first rest start inheap=0 kb=0
  range=$("$JCMD" $NODE GC.heap_info 2>/dev/null | grep -o '\[0x[0-9a-f]*, 0x[0-9a-f]*)' | head -1)
  [ -n "$range" ] || return 0
  lo=$(( $(echo "$range" | sed 's/\[\(0x[0-9a-f]*\),.*/\1/') )); hi=$(( $(echo "$range" | sed 's/.*, \(0x[0-9a-f]*\))/\1/') ))
  while read -r first rest; do
    if [[ $first =~ ^([0-9a-f]+)-[0-9a-f]+$ ]]; then
      start=$((16#${BASH_REMATCH[1]})); inheap=$(( start >= lo && start < hi ))
    elif [[ $first == Rss: && $inheap == 1 ]]; then
      kb=$(( kb + ${rest%% *} ))
    fi
  done < <(grep -E "^[0-9a-f]+-[0-9a-f]+ |^Rss:" /proc/$NODE/smaps)
  echo $(( kb / 1024 ))
}
split() {
  local total heap
  total=$(awk '/VmRSS/ {printf "%.0f", $2/1024}' /proc/$NODE/status); heap=$(heap_rss)
  echo "RSS ${total} MB (heap ${heap:-?} MB, rest $((total - ${heap:-0})) MB), db $(du -m "$WORK/d/kv.db" 2>/dev/null | cut -f1) MB, wal $(du -m "$WORK/d/kv.db-wal" 2>/dev/null | cut -f1) MB"
}
echo "preloading 1M keys... (RSS $(rss))"
java -jar $JAR kvctl bench --targets 127.0.0.1:46301 --op put --preload --keys 1000000 --requests 1 --warmup 0s | grep preloaded
echo "after preload: $(split)"
java -jar $JAR kvctl bench --targets 127.0.0.1:46301 --op mixed --read-ratio 0.9 --keys 1000000 --concurrency 64 \
  --warmup 0s --duration "${MINUTES}m" > "$WORK/bench.txt" 2>&1 &
BENCH=$!
for i in $(seq 1 $((MINUTES * 2))); do
  sleep 30
  echo "$((i * 30)) s: $(split), $(tail -1 "$WORK/bench.txt" | sed 's/.*\] *//')"
done
wait $BENCH
tail -2 "$WORK/bench.txt"
echo "end: $(split); data dir $(du -sh "$WORK/d" | cut -f1)"
