# Shared by the benchmark scripts (source it): one `kvctl bench` run with the servers' CPU per
# operation over its measured window.

# user + system clock ticks of the given processes so far
cpu_ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' /proc/$p/stat))); done; echo $t; }

# measure JAR OUT TARGETS OP CONCURRENCY WARMUP DURATION PID...: runs the bench (output in OUT.txt and
# OUT.json) and prints its last lines and the PIDs' CPU per operation. The measured window starts
# when the warm-up ends: WARMUP (whole seconds with an s) after the bench says it is warming up.
# With BENCH_RATE set the run is open-loop at that many requests per second (CONCURRENCY then caps
# those in flight), latency measured from each request's intended start.
# BENCH_KEYS (default 100000) is the key space the bench draws from.
measure() {
  local jar=$1 out=$2 targets=$3 op=$4 c=$5 warmup=$6 duration=$7 bench t0 t1 ok
  shift 7
  java -jar "$jar" kvctl bench --targets "$targets" --op "$op" --read-ratio 0.9 --concurrency "$c" --warmup "$warmup" \
    --duration "$duration" --keys "${BENCH_KEYS:-100000}" --value-size 100 ${BENCH_RATE:+--rate "$BENCH_RATE"} --json "$out.json" > "$out.txt" 2>&1 &
  bench=$!
  if [ "${warmup%s}" -gt 0 ]; then
    until grep -q "warming up" "$out.txt" 2>/dev/null; do sleep 0.1; done
  fi
  sleep "${warmup%s}"; t0=$(cpu_ticks "$@")
  wait $bench
  t1=$(cpu_ticks "$@")
  ok=$(sed -n 's/.*"ok" : \([0-9]*\).*/\1/p' "$out.json")
  local lines=2
  [ -n "${BENCH_RATE:-}" ] && lines=3
  printf '%s  server CPU %d us/op\n' "$(tail -"$lines" "$out.txt" | tr '\n' ' ')" \
    $(( (t1 - t0) * 1000000 / $(getconf CLK_TCK) / (ok > 0 ? ok : 1) ))
}
