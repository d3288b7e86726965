package kvstore.experiments;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import kvstore.storage.SqliteStorage;
import kvstore.version.Versioned;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * The storage writer alone, without gRPC or the event bus: {@code concurrency} single-row writes
 * kept outstanding against a store of {@code keys} rows, for comparing storage changes side by side
 * with less noise than a whole node. Args: keys concurrency seconds [sync].
 */
public final class StoragePutRate {
  public static void main(String[] args) throws Exception {
    int keys = Integer.parseInt(args[0]);
    int concurrency = Integer.parseInt(args[1]);
    int seconds = Integer.parseInt(args[2]);
    String sync = args.length > 3 ? args[3] : "FULL";
    Path dir = Files.createTempDirectory("putrate");
    Vertx vertx = Vertx.vertx();
    CompletableFuture<String> out = new CompletableFuture<>();
    vertx.deployVerticle(new AbstractVerticle() {
      SqliteStorage storage;
      final Random random = new Random(1);
      final byte[] value = new byte[100];
      long version = 1;
      long done;
      long deadline;

      @Override
      public void start(Promise<Void> started) {
        SqliteStorage.open(vertx, dir, sync, 512).compose(s -> {
          storage = s;
          List<Versioned> rows = new ArrayList<>();
          for (int i = 0; i < keys; i++) {
            rows.add(new Versioned("key-" + i, value, version++, false));
          }
          return s.write(rows);
        }).onSuccess(v -> {
          started.complete();
          long cpu0 = cpu();
          long rows0 = storage.stats().rows();
          long commits0 = storage.stats().commits();
          long t0 = System.nanoTime();
          deadline = t0 + seconds * 1_000_000_000L;
          for (int i = 0; i < concurrency; i++) {
            next();
          }
          vertx.setTimer(seconds * 1000L + 200, t -> {
            double secs = (System.nanoTime() - t0) / 1e9;
            long rows = storage.stats().rows() - rows0;
            long commits = storage.stats().commits() - commits0;
            out.complete(String.format("%.0f rows/s, %.1f rows/group, %.0f us CPU/row", rows / secs, (double) rows / commits,
                (cpu() - cpu0) / 1e3 / rows));
          });
        }).onFailure(started::fail);
      }

      void next() {
        if (System.nanoTime() > deadline) {
          return;
        }
        storage.write(List.of(new Versioned("key-" + random.nextInt(keys), value, version++, false)))
            .onComplete(ar -> next());
      }
    });
    System.out.println(out.get());
    vertx.close();
  }

  private static long cpu() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }
}
