package kvstore.experiments;

import kvstore.testing.Http;
import kvstore.testing.KvClient;
import kvstore.testing.ProcessCluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Three coordinators putting at the same moment, in lockstep rounds (each round starts when all
 * three puts of the one before answered), on 3 real nodes at RF 3 QUORUM: once with one key for
 * all three (their versions race on every replica) and once with a key of its own each, so the
 * difference is what contention on one key costs. Prints rounds per second, the mean round, and
 * the replica writes that answered "holds a newer version" (which make a coordinator re-stamp).
 *
 * <p>Run: {@code mvn -q -DskipTests package test-compile && java -cp target/test-classes:target/node.jar kvstore.experiments.SameKeyRounds [seconds]}
 */
public final class SameKeyRounds {
  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    Path dir = Files.createTempDirectory("kv-same-key");
    try (ProcessCluster c = new ProcessCluster(dir, 3, (i, cfg) -> { }).start()) {
      c.awaitUp(3);
      for (int pass = 0; pass < 2; pass++) {
        rounds(c, false, 2);
        rounds(c, true, 2);
      }
      System.out.println(rounds(c, false, seconds));
      System.out.println(rounds(c, true, seconds));
    } finally {
      try (var walk = Files.walk(dir)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    System.exit(0);
  }

  private static String rounds(ProcessCluster c, boolean sameKey, int seconds) throws Exception {
    double staleBefore = stale(c);
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    AtomicLong rounds = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    boolean[] stop = {false};
    CyclicBarrier barrier = new CyclicBarrier(3, () -> {
      rounds.incrementAndGet();
      stop[0] = System.nanoTime() >= deadline;
    });
    List<Thread> threads = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int i = 0; i < 3; i++) {
      KvClient client = c.client(i);
      String key = sameKey ? "contended" : "own-" + i;
      int me = i;
      Thread t = new Thread(() -> {
        try {
          for (long n = 0; ; n++) {
            try {
              client.put(key, "from-" + me + "-" + n);
            } catch (RuntimeException e) {
              failed.incrementAndGet();
            }
            barrier.await();
            if (stop[0]) {
              return;
            }
          }
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    double stale = stale(c) - staleBefore;
    return String.format("%s: %d rounds in %.1f s = %.0f rounds/s, %.2f ms a round, %d failed puts, %.0f stale replica answers (%.2f per put)",
        sameKey ? "one key, three coordinators " : "own key each, three coordinators", rounds.get(), secs, rounds.get() / secs,
        secs * 1000 / rounds.get(), failed.get(), stale, stale / (3.0 * rounds.get()));
  }

  private static double stale(ProcessCluster c) {
    double sum = 0;
    for (int i = 0; i < 3; i++) {
      String text = Http.call(c.clientVertxForTools(), io.vertx.core.http.HttpMethod.GET, c.host(i),
          c.config(i).getInteger("httpPort"), "/metrics", null).body();
      sum += text.lines().filter(l -> l.startsWith("kv_replica_writes_total{") && l.contains("outcome=\"stale\""))
          .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
    return sum;
  }
}
