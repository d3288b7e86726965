package kvstore.bench;

import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.util.Map;
import java.util.TreeMap;

/** The outcome of a run: throughput, errors by gRPC status, latency percentiles (HdrHistogram, microseconds). */
public record BenchResult(BenchSettings settings, long ok, Map<String, Long> errors, double seconds, Histogram latencyMicros) {

  public double opsPerSec() {
    return ok / seconds;
  }

  public long errorCount() {
    return errors.values().stream().mapToLong(Long::longValue).sum();
  }

  private double ms(double percentile) {
    return latencyMicros.getTotalCount() == 0 ? 0 : latencyMicros.getValueAtPercentile(percentile) / 1000.0;
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("op", settings.op()).put("targets", settings.targets()).put("concurrency", settings.concurrency())
        .put("valueSize", settings.valueSize()).put("keys", settings.keys()).put("distribution", settings.distribution())
        .put("consistency", settings.consistency().name()).put("seconds", seconds).put("ok", ok)
        .put("opsPerSec", Math.round(opsPerSec())).put("errors", new JsonObject(new TreeMap<>(errors)))
        .put("latencyMs", new JsonObject().put("p50", ms(50)).put("p90", ms(90)).put("p99", ms(99)).put("p999", ms(99.9))
            .put("max", latencyMicros.getMaxValue() / 1000.0).put("mean", latencyMicros.getMean() / 1000.0));
  }

  public String summary() {
    return String.format("op=%s concurrency=%d targets=%s: %d ok, %d errors %s in %.1f s = %.0f ops/s%n"
            + "latency ms: p50=%.2f p90=%.2f p99=%.2f p99.9=%.2f max=%.2f",
        settings.op(), settings.concurrency(), settings.targets(), ok, errorCount(), errors.isEmpty() ? "" : errors,
        seconds, opsPerSec(), ms(50), ms(90), ms(99), ms(99.9), latencyMicros.getMaxValue() / 1000.0);
  }
}
