#!/usr/bin/env bash
# YCSB side by side, RUNS times (default 3): each run is one src/bench/ycsb.sh (ours, then
# Cassandra's, then the open-loop runs of both), so the two systems alternate and the machine's
# drift hits both; then, per workload and system, the range over the runs of throughput, server CPU
# per operation and each p99, and the range of the ratios of ours to Cassandra's within each run.
# usage: bash src/bench/ycsb-spread.sh [OUT_DIR]    env: RUNS (3), and ycsb.sh's (RECORDS, SECONDS_PER_RUN, ...)
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-target/ycsb-spread}
RUNS=${RUNS:-3}
mkdir -p "$OUT"
for r in $(seq 1 "$RUNS"); do
  echo "== run $r of $RUNS ($(date -u +%H:%M) UTC)"
  bash src/bench/ycsb.sh "$OUT/run-$r" > "$OUT/run-$r.log" 2>&1 || { echo "run $r failed: see $OUT/run-$r.log"; exit 1; }
done
python3 - "$OUT" "$RUNS" <<'PY' | tee "$OUT/spread.txt"
import collections, re, sys
out, runs = sys.argv[1], int(sys.argv[2])
# (mode, workload) -> system -> run -> {"ops/s": x, "CPU us/op": y, "<op> p99 ms": z}
data = collections.defaultdict(lambda: collections.defaultdict(dict))
for r in range(1, runs + 1):
    for line in open(f"{out}/run-{r}/summary.txt"):
        m = re.match(r"(kvstore|cassandra)\s+workload (\w) (closed-loop|open-loop at \d+/s): ([\d.]+) ops/s, (.*)", line)
        if not m:
            continue
        system, w, mode, ops, rest = m.groups()
        figures = {"ops/s": float(ops)}
        for name, us in re.findall(r"([\w-]+) p99 (\d+) us", rest):
            figures[f"{name} p99 ms"] = int(us) / 1000
        cpu = re.search(r"server CPU (\d+) us/op", rest)
        if cpu:
            figures["CPU us/op"] = int(cpu.group(1))
        data[(mode.split(" at ")[0], w)][system][r] = figures
def span(values, fmt):
    return fmt.format(min(values)) if min(values) == max(values) else (fmt + "–" + fmt).format(min(values), max(values))
print(f"{runs} runs; ranges are min–max over the runs, ratios are ours / Cassandra's within each run")
for (mode, w), systems in sorted(data.items()):
    ours, theirs = systems.get("kvstore", {}), systems.get("cassandra", {})
    for name in sorted({k for runs_ in ours.values() for k in runs_}):
        a = [ours[r][name] for r in sorted(ours) if name in ours[r]]
        b = [theirs[r][name] for r in sorted(theirs) if name in theirs.get(r, {})]
        ratios = [ours[r][name] / theirs[r][name] for r in sorted(ours) if r in theirs and name in theirs[r] and theirs[r][name]]
        fmt = "{:,.0f}" if name in ("ops/s", "CPU us/op") else "{:,.1f}"
        print(f"{mode:11} {w}  {name:22} ours {span(a, fmt):>17}  Cassandra {span(b, fmt) if b else '-':>17}"
              f"  ratio {span(ratios, '{:.2f}') if ratios else '-'}")
PY
