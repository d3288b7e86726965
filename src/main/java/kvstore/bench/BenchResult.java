package kvstore.bench;

import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.util.Map;
import java.util.TreeMap;

/**
 * The outcome of a run: throughput, errors by gRPC status, latency percentiles (HdrHistogram,
 * microseconds). Open-loop, each latency counts from the request's intended start, so a request
 * held back by a slow server counts the wait too (coordinated omission corrected);
 * {@code startedLateMicros} is the largest lag of an actual send behind its schedule.
 */
public record BenchResult(BenchSettings settings, long ok, Map<String, Long> errors, double seconds, Histogram latencyMicros,
                          long startedLateMicros) {
  public BenchResult(BenchSettings settings, long ok, Map<String, Long> errors, double seconds, Histogram latencyMicros) {
    this(settings, ok, errors, seconds, latencyMicros, 0);
  }

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
        .put("mode", settings.rate() > 0 ? "open-loop" : "closed-loop").put("intendedOpsPerSec", settings.rate())
        .put("maxStartLagMs", startedLateMicros / 1000.0)
        .put("latencyMs", new JsonObject().put("p50", ms(50)).put("p90", ms(90)).put("p99", ms(99)).put("p999", ms(99.9))
            .put("max", latencyMicros.getMaxValue() / 1000.0).put("mean", latencyMicros.getMean() / 1000.0));
  }

  public String summary() {
    String mode = settings.rate() > 0
        ? String.format("open-loop at %.0f/s intended (%.0f achieved, %.1f%%), at most %d in flight, latency from each intended start",
            settings.rate(), opsPerSec(), 100 * opsPerSec() / settings.rate(), settings.concurrency())
        : "closed-loop, concurrency=" + settings.concurrency();
    return String.format("op=%s %s targets=%s: %d ok, %d errors %s in %.1f s = %.0f ops/s%n"
            + "latency ms: p50=%.2f p90=%.2f p99=%.2f p99.9=%.2f max=%.2f",
        settings.op(), mode, settings.targets(), ok, errorCount(), errors.isEmpty() ? "" : errors,
        seconds, opsPerSec(), ms(50), ms(90), ms(99), ms(99.9), latencyMicros.getMaxValue() / 1000.0)
        + (settings.rate() > 0 ? String.format("%nlargest lag of a send behind its schedule: %.2f ms", startedLateMicros / 1000.0) : "");
  }
}
