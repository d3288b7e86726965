package kvstore.bench;

import kv.Kv;

import java.util.List;

/**
 * What a benchmark run does; see {@code kvctl bench --help}. {@code rate} 0 is closed-loop
 * ({@code concurrency} requests always in flight); above 0, open-loop: requests start on a fixed
 * schedule of {@code rate} per second and {@code concurrency} caps those in flight.
 */
public record BenchSettings(List<String> targets, String op, double readRatio, int concurrency, long durationMs,
                            long requests, long warmupMs, long keys, String distribution, int valueSize,
                            Kv.Consistency consistency, boolean preload, int connectionsPerTarget, double rate) {
  /** A closed-loop run. */
  public BenchSettings(List<String> targets, String op, double readRatio, int concurrency, long durationMs,
                       long requests, long warmupMs, long keys, String distribution, int valueSize,
                       Kv.Consistency consistency, boolean preload, int connectionsPerTarget) {
    this(targets, op, readRatio, concurrency, durationMs, requests, warmupMs, keys, distribution, valueSize, consistency, preload,
        connectionsPerTarget, 0);
  }

  public BenchSettings {
    if (rate < 0 || rate > 10_000_000 || Double.isNaN(rate)) {
      throw new IllegalArgumentException("--rate must be 0 (closed loop) to 10000000 requests per second, got " + rate);
    }
    if (targets.isEmpty()) {
      throw new IllegalArgumentException("--targets: at least one host:port");
    }
    if (!List.of("put", "get", "mixed", "delete", "cas").contains(op)) {
      throw new IllegalArgumentException("--op must be put, get, mixed, delete or cas, got " + op);
    }
    if (readRatio < 0 || readRatio > 1) {
      throw new IllegalArgumentException("--read-ratio must be 0..1, got " + readRatio);
    }
    if (concurrency < 1 || keys < 1 || valueSize < 0 || connectionsPerTarget < 1) {
      throw new IllegalArgumentException("--concurrency, --keys and --connections must be >= 1, --value-size >= 0");
    }
    if (!distribution.equals("uniform") && !distribution.equals("zipfian")) {
      throw new IllegalArgumentException("--distribution must be uniform or zipfian, got " + distribution);
    }
  }
}
