package kvstore.cli;

import kvstore.bench.BenchResult;
import kvstore.bench.BenchSettings;
import kvstore.bench.LoadGenerator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Load-test the gRPC API (closed loop, HdrHistogram latencies); one progress line per second.")
final class BenchCommand implements Callable<Integer> {
  @Option(names = "--targets", split = ",", defaultValue = "127.0.0.1:50051", description = "nodes, round-robin (default: ${DEFAULT-VALUE})")
  List<String> targets;
  @Option(names = "--op", defaultValue = "put", description = "put, get, mixed, delete or cas (a compare-and-set expecting the value --preload wrote; default: ${DEFAULT-VALUE})")
  String op;
  @Option(names = "--read-ratio", defaultValue = "0.9", description = "share of gets in --op mixed (default: ${DEFAULT-VALUE})")
  double readRatio;
  @Option(names = "--concurrency", defaultValue = "64", description = "requests in flight; with --rate, the most in flight (default: ${DEFAULT-VALUE})")
  int concurrency;
  @Option(names = "--duration", defaultValue = "20s", description = "measured time, e.g. 20s, 2m (default: ${DEFAULT-VALUE})")
  String duration;
  @Option(names = "--requests", defaultValue = "0", description = "stop after this many requests instead (0: use --duration)")
  long requests;
  @Option(names = "--warmup", defaultValue = "5s", description = "unmeasured load before measuring (default: ${DEFAULT-VALUE})")
  String warmup;
  @Option(names = "--keys", defaultValue = "100000", description = "key space size (default: ${DEFAULT-VALUE})")
  long keys;
  @Option(names = "--distribution", defaultValue = "uniform", description = "uniform or zipfian (default: ${DEFAULT-VALUE})")
  String distribution;
  @Option(names = "--value-size", defaultValue = "100", description = "bytes per value (default: ${DEFAULT-VALUE})")
  int valueSize;
  @Option(names = "--consistency", description = "ONE, QUORUM or ALL (default: the node's own default)")
  String consistency;
  @Option(names = "--preload", description = "write every key once before the run")
  boolean preload;
  @Option(names = "--connections", defaultValue = "4", description = "HTTP/2 connections per target (default: ${DEFAULT-VALUE})")
  int connections;
  @picocli.CommandLine.Mixin
  TlsOption tls;

  @Option(names = "--rate", defaultValue = "0", paramLabel = "OPS_PER_SEC",
      description = "open loop: start this many requests per second on a fixed schedule, --concurrency at most in flight, "
          + "each latency measured from its intended start (0: closed loop, the default)")
  double rate;

  @Option(names = "--json", description = "also write the result as JSON to this file")
  Path json;

  static long millis(String d) {
    String t = d.trim().toLowerCase();
    try {
      if (t.endsWith("ms")) {
        return Long.parseLong(t.substring(0, t.length() - 2));
      }
      if (t.endsWith("s")) {
        return (long) (Double.parseDouble(t.substring(0, t.length() - 1)) * 1000);
      }
      if (t.endsWith("m")) {
        return (long) (Double.parseDouble(t.substring(0, t.length() - 1)) * 60_000);
      }
      return (long) (Double.parseDouble(t) * 1000);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a duration: '" + d + "' (use e.g. 500ms, 20s, 2m)");
    }
  }

  @Override
  public Integer call() throws Exception {
    long durationMs = requests > 0 ? Long.MAX_VALUE : millis(duration);
    BenchSettings s = new BenchSettings(targets, op, readRatio, concurrency, durationMs, requests, millis(warmup), keys,
        distribution, valueSize, NodeOption.consistency(consistency), preload, connections, rate);
    LoadGenerator generator = new LoadGenerator(s, System.out, NodeConnection.transport(tls.tls()));
    // Ctrl-C or SIGTERM ends the run early, with its result printed and written all the same
    java.util.concurrent.CountDownLatch reported = new java.util.concurrent.CountDownLatch(1);
    Thread onSignal = new Thread(() -> {
      generator.stop();
      try {
        reported.await(30, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "bench-stop");
    Runtime.getRuntime().addShutdownHook(onSignal);
    try {
      BenchResult r = generator.run();
      System.out.println(r.summary());
      if (json != null) {
        Files.writeString(json, r.toJson().encodePrettily());
      }
      return r.ok() == 0 ? 1 : 0;
    } finally {
      reported.countDown();
    }
  }
}
