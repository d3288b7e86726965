package kvstore.cli;

import kvstore.backup.ExportFile;
import kvstore.repair.Throttle;
import kvstore.replica.proto.ReplicaGrpcClient;
import kvstore.replica.proto.ReplicaProto;
import kvstore.replication.RemoteReplica;
import kvstore.ring.Ring;
import kvstore.version.Versioned;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * kvctl export: every row of the cluster into one file ({@link ExportFile}). Each token interval
 * of the ring is read from a quorum of its replicas (RF - QUORUM + 1 of them, the first UP ones in
 * preference order) and the newest version of each key kept, so no write acknowledged at QUORUM
 * is missed; tombstones go too (an import must not bring a deleted key back), values already
 * expired do not.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
    description = "Write every row of the cluster (values, versions, expiries, tombstones) to one gzip'd, checksummed file, "
        + "each range read from a quorum of its replicas; load it into any cluster with kvctl import.")
final class ExportCommand implements Callable<Integer> {
  @Mixin
  NodeOption node;
  @Option(names = "--file", required = true, description = "the file to write (written as FILE.partial, renamed when complete)")
  Path file;
  @Option(names = "--rows-per-sec", defaultValue = "0", description = "throttle, rows read per second (default: unlimited)")
  long rowsPerSec;

  private static final int PAGE = 512;

  @Override
  public Integer call() throws Exception {
    try (NodeConnection c = node.connect()) {
      ReplicaProto.NodeStatus seed = c.call(node.node, ReplicaGrpcClient.Status, ReplicaProto.StatusRequest.getDefaultInstance());
      int rf = seed.getReplicationFactor();
      List<String> ringNodes = new ArrayList<>();
      Map<String, ReplicaProto.MemberInfo> members = new java.util.HashMap<>();
      for (ReplicaProto.MemberInfo m : seed.getMembersList()) {
        members.put(m.getNodeId(), m);
        if (!m.getStatus().equals("LEFT") && !m.getState().equals("JOINING") && !m.getState().equals("REPLACING")) {
          ringNodes.add(m.getNodeId());
        }
      }
      Ring ring = Ring.of(ringNodes, seed.getVnodes());
      int needed = kvstore.streaming.RangeMoves.sourcesNeeded(rf, kvstore.quorum.Consistency.QUORUM.required(rf));
      long[] tokens = ring.tokens();
      Path partial = file.resolveSibling(file.getFileName() + ".partial");
      Throttle throttle = new Throttle(rowsPerSec, System.nanoTime());
      long t0 = System.nanoTime();
      long lastPrint = t0;
      long now = System.currentTimeMillis();
      System.out.println("exporting cluster " + seed.getClusterName() + " (" + ringNodes.size() + " nodes, RF " + rf + ", "
          + tokens.length + " ranges, each from " + needed + " replicas) to " + file);
      try (ExportFile.Writer out = new ExportFile.Writer(partial, seed.getClusterName(), now)) {
        for (int i = 0; i < tokens.length; i++) {
          List<long[]> intervals = new ArrayList<>();
          if (i == 0) {
            if (tokens[tokens.length - 1] != Long.MAX_VALUE) {
              intervals.add(new long[] {tokens[tokens.length - 1] + 1, Long.MAX_VALUE});
            }
            intervals.add(new long[] {Long.MIN_VALUE, tokens[0]});
          } else {
            intervals.add(new long[] {tokens[i - 1] + 1, tokens[i]});
          }
          List<String> replicas = ring.preferenceListForToken(tokens[i], rf);
          for (long[] iv : intervals) {
            TreeMap<String, Versioned> rows = new TreeMap<>();
            int read = 0;
            List<String> why = new ArrayList<>();
            for (String r : replicas) {
              if (read >= needed) {
                break;
              }
              ReplicaProto.MemberInfo m = members.get(r);
              if (!m.getStatus().equals("UP")) {
                why.add(r + " is " + m.getStatus());
                continue;
              }
              try {
                long n = scan(c, c.addressOf(m), iv[0], iv[1], rows);
                long waitMs = throttle.acquire(n, System.nanoTime());
                if (waitMs > 0) {
                  Thread.sleep(waitMs);
                }
                read++;
              } catch (RuntimeException e) {
                why.add(r + ": " + e.getMessage());
              }
            }
            if (read < needed) {
              System.err.println("export failed: tokens [" + iv[0] + ", " + iv[1] + "] read from " + read + " of the " + needed
                  + " replicas needed (" + String.join("; ", why) + "); nothing kept");
              out.close();
              Files.deleteIfExists(partial);
              return 1;
            }
            for (Versioned v : rows.values()) {
              if (v.tombstone() || v.expiresAtMs() == 0 || v.expiresAtMs() > now) {
                out.add(v);
              }
            }
          }
          if (System.nanoTime() - lastPrint > 1_000_000_000L) {
            lastPrint = System.nanoTime();
            System.out.printf("  %d/%d ranges, %d rows, %.1f s%n", i + 1, tokens.length, out.rows(), (lastPrint - t0) / 1e9);
          }
        }
        out.close();
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf("exported %d rows to %s (%s) in %.1f s (%.0f rows/s)%n", out.rows(), file, RingCommand.bytes(Files.size(file)),
            secs, out.rows() / Math.max(secs, 1e-3));
        return 0;
      }
    }
  }

  /** Every row of [first, last] on one replica, merged into {@code rows} (the newest version of a key wins); answers how many were read. */
  private static long scan(NodeConnection c, String address, long first, long last, TreeMap<String, Versioned> rows) {
    long n = 0;
    ReplicaProto.ScanRangeRequest.Builder req = ReplicaProto.ScanRangeRequest.newBuilder().setFirst(first).setLast(last).setLimit(PAGE);
    while (true) {
      ReplicaProto.RowPage page = c.call(address, ReplicaGrpcClient.ScanRange, req.build());
      // only an empty page ends the interval: a replica cuts a page short at its byte limit
      if (page.getRowsCount() == 0) {
        return n;
      }
      for (ReplicaProto.Row r : page.getRowsList()) {
        Versioned v = RemoteReplica.fromRow(r);
        rows.merge(v.key(), v, (a, b) -> Versioned.compare(a, b) >= 0 ? a : b);
        n++;
      }
      String lastKey = page.getRows(page.getRowsCount() - 1).getKey();
      req.setHasAfter(true).setAfterToken(Ring.token(lastKey)).setAfterKey(lastKey);
    }
  }
}
