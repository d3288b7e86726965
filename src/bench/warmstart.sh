#!/usr/bin/env bash
# Warm start: a node's ops/s each second after it starts, cold and with Java 25's ahead-of-time
# cache (JEP 483/514/515), side by side in one run, against one client that stays up and warm
# throughout (so only the node's warm-up is measured):
#   bash src/bench/warmstart.sh
# 1. training: `java -XX:AOTCacheOutput=... -jar node.jar train` (three nodes in one JVM under a
#    short mixed load) writes the cache (classes loaded and linked, method profiles) as it exits;
# 2. one `kvctl bench --op mixed` (64 in flight, 90% gets) runs for the whole measurement while the
#    node is restarted cold, cached, cold, cached (SEGMENT seconds each); every bench line is
#    stamped with the wall clock, so each second is placed after its start;
# 3. per start: ops/s in each of the first 12 seconds, the steady rate (median of seconds 20 to
#    SEGMENT-2), the first second at >= 90% of it, and the node's CPU in its first 10 s.
# JAVA25 names the Java 25 binary (default: Temurin 25 under /usr/lib/jvm).
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/bench/lib.sh
JAVA25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
SEGMENT=${SEGMENT:-35}
[ -x "$JAVA25" ] || { echo "no Java 25 at $JAVA25 (set JAVA25)"; exit 1; }
[ -f target/node.jar ] || mvn -q -B -DskipTests package
dir=target/warmstart
rm -rf "$dir" && mkdir -p "$dir"
cat > "$dir/node.json" <<EOF
{"nodeId": "warm1", "host": "127.0.0.1", "grpcPort": 50091, "httpPort": 8091, "peerPort": 7091,
 "seeds": [], "insecure": true, "dataDir": "$dir/data", "replicationFactor": 1}
EOF
jvm=("$JAVA25" -Xmx512m --sun-misc-unsafe-memory-access=allow)
node=
start_node() { # start_node LOG [JVM FLAGS...]
  local log=$1; shift
  "${jvm[@]}" "$@" -jar target/node.jar -conf "$dir/node.json" >> "$log" 2>&1 &
  node=$!
}
stop_node() { kill -TERM "$node" 2>/dev/null || true; wait "$node" 2>/dev/null || true; }
await_node() { until curl -sf -o /dev/null http://127.0.0.1:8091/healthz; do sleep 0.05; done; }
trap 'kill -TERM $node 2>/dev/null || true' EXIT

echo "== training: java -XX:AOTCacheOutput=... -jar node.jar train (three nodes in one JVM under a mixed load)"
"${jvm[@]}" -XX:AOTCacheOutput="$dir/node.aot" -jar target/node.jar train --seconds 20 > "$dir/train.log" 2>&1
[ -f "$dir/node.aot" ] || { echo "no AOT cache written: see $dir/train.log"; exit 1; }
echo "cache: $(du -h "$dir/node.aot" | cut -f1)"

echo "== measuring: cold, cached, cold, cached starts under one client"
start_node "$dir/node.log"
await_node
total=$((SEGMENT * 5 + 5))
java -jar target/node.jar kvctl bench --targets 127.0.0.1:50091 --op mixed --keys 100000 --duration "${total}s" \
  --warmup 0s --concurrency 64 2>&1 | while IFS= read -r line; do echo "$(date +%s.%N) $line"; done > "$dir/bench.txt" &
bench=$!
sleep "$SEGMENT"
: > "$dir/starts.txt"
for kind in cold cached cold cached; do
  stop_node
  t=$(date +%s.%N)
  if [ "$kind" = cached ]; then start_node "$dir/node.log" -XX:AOTCache="$dir/node.aot"; else start_node "$dir/node.log"; fi
  c0=$(cpu_ticks "$node"); sleep 10; c1=$(cpu_ticks "$node")
  echo "$kind $t $(( (c1 - c0) * 1000 / $(getconf CLK_TCK) ))" >> "$dir/starts.txt"
  sleep $((SEGMENT - 10))
done
wait $bench || true
stop_node

echo "start   cpu10s  ops/s in seconds 1..12 after the start                              steady  >=90% at"
while read -r kind t cpu; do
  awk -v t0="$t" -v seg="$SEGMENT" -v kind="$kind" -v cpu="$cpu" '
    $2 == "[bench]" && $4 ~ /^[0-9]+$/ { s = int($1 - t0 + 0.5); if (s >= 1 && s <= seg) ops[s] = $4 }
    END {
      n = 0; for (s = 20; s <= seg - 2; s++) if (s in ops) v[++n] = ops[s]
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { x = v[i]; v[i] = v[j]; v[j] = x }
      steady = n ? v[int((n + 1) / 2)] : 0
      at = "-"; for (s = 1; s <= seg; s++) if ((s in ops) && ops[s] >= 0.9 * steady) { at = s " s"; break }
      line = ""; for (s = 1; s <= 12; s++) line = line sprintf("%6d", (s in ops) ? ops[s] : 0)
      printf "%-7s %5d ms %s  %6d  %s\n", kind, cpu, line, steady, at
    }' "$dir/bench.txt"
done < "$dir/starts.txt"
