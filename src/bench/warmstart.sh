#!/usr/bin/env bash
# Warm start: a node's ops/s each second after it starts, cold and from a trained cache, side by
# side in one run, against one client that stays up and warm throughout (so only the node's
# warm-up is measured):
#   bash src/bench/warmstart.sh
# 1. training: `java -XX:AOTCacheOutput=node.aot -jar node.jar train` on Java 25 (JEP 483/514/515:
#    classes loaded and linked, method profiles) and `-XX:ArchiveClassesAtExit=node.jsa` on Java 17
#    (AppCDS: classes only), each a three-node run in one JVM under a short mixed load;
# 2. one `kvctl bench --op mixed` (64 in flight, 90% gets, 100k keys) runs throughout while the
#    node runs WARM seconds, then is restarted as 25 cold, 25 with the AOT cache, 17 cold, 17 with
#    AppCDS, 25 cold, 25 with the cache (SEGMENT seconds each); every bench line is stamped with
#    the wall clock, so each second is placed after its start;
# 3. per start: ops/s in each of the first 12 seconds, the first second at >= 90% of the steady
#    rate (the median of the last 20 s before the first restart, a node warmed for WARM s), the
#    segment's own median from second 20 on, and the node's CPU in its first 10 s.
# JAVA25 and JAVA17 name the two JVMs (defaults: Temurin 25 under /usr/lib/jvm, java on the PATH).
set -euo pipefail
cd "$(dirname "$0")/../.."
source src/bench/lib.sh
JAVA25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
JAVA17=${JAVA17:-java}
SEGMENT=${SEGMENT:-35}
WARM=${WARM:-60}
[ -x "$JAVA25" ] || { echo "no Java 25 at $JAVA25 (set JAVA25)"; exit 1; }
[ -f target/node.jar ] || mvn -q -B -DskipTests package
dir=target/warmstart
rm -rf "$dir" && mkdir -p "$dir"
cat > "$dir/node.json" <<EOF
{"nodeId": "warm1", "host": "127.0.0.1", "grpcPort": 50091, "httpPort": 8091, "peerPort": 7091,
 "seeds": [], "insecure": true, "dataDir": "$dir/data", "replicationFactor": 1}
EOF
j25=("$JAVA25" -Xmx512m --sun-misc-unsafe-memory-access=allow)
j17=("$JAVA17" -Xmx512m)
node=
start_node() { # start_node KIND
  local cmd
  case $1 in
    25-cold) cmd=("${j25[@]}") ;;
    25-aot) cmd=("${j25[@]}" -XX:AOTCache="$dir/node.aot") ;;
    17-cold) cmd=("${j17[@]}") ;;
    17-cds) cmd=("${j17[@]}" -XX:SharedArchiveFile="$dir/node.jsa") ;;
  esac
  "${cmd[@]}" -jar target/node.jar -conf "$dir/node.json" >> "$dir/node-$1.log" 2>&1 &
  node=$!
}
stop_node() { kill -TERM "$node" 2>/dev/null || true; wait "$node" 2>/dev/null || true; }
await_node() { until curl -sf -o /dev/null http://127.0.0.1:8091/healthz; do sleep 0.05; done; }
trap 'kill -TERM $node 2>/dev/null || true' EXIT

echo "== training: node.jar train (three nodes in one JVM under a mixed load) on 25 and on 17"
"${j25[@]}" -XX:AOTCacheOutput="$dir/node.aot" -jar target/node.jar train --seconds 20 > "$dir/train25.log" 2>&1
[ -f "$dir/node.aot" ] || { echo "no AOT cache written: see $dir/train25.log"; exit 1; }
"${j17[@]}" -XX:ArchiveClassesAtExit="$dir/node.jsa" -jar target/node.jar train --seconds 20 > "$dir/train17.log" 2>&1
[ -f "$dir/node.jsa" ] || { echo "no AppCDS archive written: see $dir/train17.log"; exit 1; }
echo "AOT cache $(du -h "$dir/node.aot" | cut -f1), AppCDS archive $(du -h "$dir/node.jsa" | cut -f1)"

kinds="25-cold 25-aot 17-cold 17-cds 25-cold 25-aot"
echo "== measuring: $kinds, under one client"
start_node 25-cold
await_node
total=$((WARM + SEGMENT * 6 + 5))
java -jar target/node.jar kvctl bench --targets 127.0.0.1:50091 --op mixed --keys 100000 --duration "${total}s" \
  --warmup 0s --concurrency 64 2>&1 | while IFS= read -r line; do echo "$(date +%s.%N) $line"; done > "$dir/bench.txt" &
bench=$!
sleep "$WARM"
first=$(date +%s.%N)
: > "$dir/starts.txt"
for kind in $kinds; do
  stop_node
  t=$(date +%s.%N)
  start_node "$kind"
  c0=$(cpu_ticks "$node"); sleep 10; c1=$(cpu_ticks "$node")
  echo "$kind $t $(( (c1 - c0) * 1000 / $(getconf CLK_TCK) ))" >> "$dir/starts.txt"
  sleep $((SEGMENT - 10))
done
wait $bench || true
stop_node

# the steady rate: the median second of the 20 s before the first restart
steady=$(awk -v t1="$first" '$2 == "[bench]" && $4 ~ /^[0-9]+$/ && $1 < t1 - 1 && $1 >= t1 - 21 { print $4 }' "$dir/bench.txt" \
  | sort -n | awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : 0 }')
echo "steady: $steady ops/s (median second of the 20 s before the first restart, the node up $WARM s)"
echo "start    cpu 10s  ops/s in seconds 1..12 after the start                                   from 20 s  >=90% at"
while read -r kind t cpu; do
  awk -v t0="$t" -v seg="$SEGMENT" -v kind="$kind" -v cpu="$cpu" -v steady="$steady" '
    $2 == "[bench]" && $4 ~ /^[0-9]+$/ { s = int($1 - t0 + 0.5); if (s >= 1 && s <= seg) ops[s] = $4 }
    END {
      n = 0; for (s = 20; s <= seg - 2; s++) if (s in ops) v[++n] = ops[s]
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { x = v[i]; v[i] = v[j]; v[j] = x }
      late = n ? v[int((n + 1) / 2)] : 0
      at = "-"; for (s = 1; s <= seg; s++) if ((s in ops) && ops[s] >= 0.9 * steady) { at = s " s"; break }
      line = ""; for (s = 1; s <= 12; s++) line = line sprintf("%6d", (s in ops) ? ops[s] : 0)
      printf "%-8s %5d ms %s  %8d  %s\n", kind, cpu, line, late, at
    }' "$dir/bench.txt"
done < "$dir/starts.txt"
