package kvstore.cli;

import io.vertx.core.json.JsonObject;
import kvstore.backup.ExportFile;
import kvstore.repair.Throttle;
import kvstore.replica.proto.ReplicaGrpcClient;
import kvstore.replica.proto.ReplicaProto;
import kvstore.replication.RemoteReplica;
import kvstore.version.Versioned;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * kvctl import: the rows of an export file into this cluster, whatever its size or RF, each with
 * its original version, expiry and tombstone (last-write-wins: never over newer data, and a second
 * run changes nothing). The whole file is verified before the first row is written; progress is
 * kept in FILE.import-progress after every batch the cluster acknowledged, so the same command
 * resumes where an interrupted one stopped.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
    description = "Load an export file (kvctl export) into this cluster with each row's own version, expiry and tombstone, "
        + "at QUORUM; never overwrites newer data; resumable (the same command again goes on where it stopped).")
final class ImportCommand implements Callable<Integer> {
  @Mixin
  NodeOption node;
  @Option(names = "--file", required = true, description = "the export file")
  Path file;
  @Option(names = "--rows-per-sec", defaultValue = "0", description = "throttle, rows written per second (default: unlimited)")
  long rowsPerSec;
  @Option(names = "--batch-rows", defaultValue = "200", description = "rows per call (default: ${DEFAULT-VALUE})")
  int batchRows;

  /** Stops the pass over the file at the first batch that failed. */
  private static final class Stop extends RuntimeException {
    Stop(String message) {
      super(message, null, false, false);
    }
  }

  @Override
  public Integer call() throws Exception {
    if (!Files.isRegularFile(file)) {
      System.err.println("import refused: " + file + " does not exist");
      return 1;
    }
    System.out.println("verifying " + file + " ...");
    ExportFile.Summary summary;
    try {
      summary = ExportFile.read(file, 0, null);
    } catch (IllegalStateException e) {
      System.err.println("import refused: " + e.getMessage() + "; nothing was written");
      return 1;
    }
    Path progress = file.resolveSibling(file.getFileName() + ".import-progress");
    long done = 0;
    if (Files.exists(progress)) {
      JsonObject p = new JsonObject(Files.readString(progress));
      if (summary.sha256().equals(p.getString("sha256"))) {
        done = p.getLong("rows", 0L);
        System.out.println("resuming after row " + done + " (" + progress + ")");
      }
    }
    System.out.println(summary.rows() + " rows exported from cluster " + summary.cluster() + " at "
        + java.time.Instant.ofEpochMilli(summary.createdMs()) + "; importing through " + node.node);
    long skip = done;
    long[] written = {done};
    long[] expired = {0};
    long now = System.currentTimeMillis();
    long t0 = System.nanoTime();
    long[] lastPrint = {t0};
    Throttle throttle = new Throttle(rowsPerSec, t0);
    List<Versioned> batch = new ArrayList<>();
    long[] inBatch = {0};
    try (NodeConnection c = node.connect(Math.max(node.timeoutMs, 60_000))) {
      Runnable flush = () -> {
        if (inBatch[0] == 0) {
          return;
        }
        if (!batch.isEmpty()) {
          ReplicaProto.WriteBatch.Builder b = ReplicaProto.WriteBatch.newBuilder();
          batch.forEach(v -> b.addRows(RemoteReplica.toRow(v, false)));
          ReplicaProto.ImportResult r = c.call(node.node, ReplicaGrpcClient.ImportRows, b.build());
          if (r.getFailed() > 0) {
            throw new Stop(r.getFailed() + " of " + batch.size() + " rows of a batch were not written (first: " + r.getFirstFailure()
                + ")");
          }
        }
        written[0] += inBatch[0];
        batch.clear();
        inBatch[0] = 0;
        try {
          Path tmp = progress.resolveSibling(progress.getFileName() + ".tmp");
          Files.writeString(tmp, new JsonObject().put("sha256", summary.sha256()).put("rows", written[0]).encode());
          Files.move(tmp, progress, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
          long waitMs = throttle.acquire(batchRows, System.nanoTime());
          if (waitMs > 0) {
            Thread.sleep(waitMs);
          }
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new Stop("interrupted");
        }
        if (System.nanoTime() - lastPrint[0] > 1_000_000_000L) {
          lastPrint[0] = System.nanoTime();
          System.out.printf("  %d/%d rows, %.1f s%n", written[0], summary.rows(), (lastPrint[0] - t0) / 1e9);
        }
      };
      try {
        ExportFile.read(file, skip, v -> {
          inBatch[0]++;
          if (!v.tombstone() && v.expiresAtMs() > 0 && v.expiresAtMs() <= now) {
            expired[0]++;
          } else {
            batch.add(v);
          }
          if (inBatch[0] >= batchRows) {
            flush.run();
          }
        });
        flush.run();
      } catch (RuntimeException e) {
        System.err.println("import stopped after row " + written[0] + ": " + e.getMessage() + "; run the same command again to go on");
        return 1;
      }
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    long imported = written[0] - skip;
    System.out.printf("imported %d rows (%d expired since the export, skipped) in %.1f s (%.0f rows/s)%n", imported - expired[0],
        expired[0], secs, imported / Math.max(secs, 1e-3));
    Files.deleteIfExists(progress);
    return 0;
  }
}
