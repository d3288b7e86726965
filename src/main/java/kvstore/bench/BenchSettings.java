package kvstore.bench;

import kv.Kv;

import java.util.List;

/** What a benchmark run does; see {@code kvctl bench --help}. */
public record BenchSettings(List<String> targets, String op, double readRatio, int concurrency, long durationMs,
                            long requests, long warmupMs, long keys, String distribution, int valueSize,
                            Kv.Consistency consistency, boolean preload, int connectionsPerTarget) {
  public BenchSettings {
    if (targets.isEmpty()) {
      throw new IllegalArgumentException("--targets: at least one host:port");
    }
    if (!List.of("put", "get", "mixed", "delete").contains(op)) {
      throw new IllegalArgumentException("--op must be put, get, mixed or delete, got " + op);
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
