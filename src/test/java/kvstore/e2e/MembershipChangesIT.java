package kvstore.e2e;

import io.vertx.core.json.JsonObject;
import io.vertx.grpc.client.GrpcClient;
import kv.Kv;
import kvstore.replica.proto.ReplicaGrpcClient;
import kvstore.replica.proto.ReplicaProto;
import kvstore.rpc.PeerClients;
import kvstore.testing.Await;
import kvstore.testing.KvClient;
import kvstore.testing.KvctlRun;
import kvstore.testing.ProcessCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Membership changes on real processes (RF 3, QUORUM), with a writer and a reader running all
 * along: two nodes join at once (they go one after the other), one decommissions, one is killed
 * and removed. Every acknowledged write is recorded; the reader checks acknowledged keys at QUORUM
 * throughout, and at the end every one is read back through every node and counted on every replica.
 */
class MembershipChangesIT {
  private static final int KEYS = 1500;
  @TempDir
  Path dir;

  /** The newest acknowledged value of each key; values are "v" + a number that only grows. */
  private final Map<String, Long> acked = new ConcurrentHashMap<>();
  private final List<Integer> coordinators = new CopyOnWriteArrayList<>(List.of(0, 1, 2));
  /** The number in the next written value: it only grows, across every writer this test starts. */
  private final AtomicLong sequence = new AtomicLong();
  private final AtomicLong missing = new AtomicLong();
  private final AtomicLong stale = new AtomicLong();
  private final AtomicLong checked = new AtomicLong();
  /** What the load threads did: writes tried and failed, reads by the reader and failed ones, with the statuses. */
  private final AtomicLong writesTried = new AtomicLong();
  private final AtomicLong writesFailed = new AtomicLong();
  private final AtomicLong readerReads = new AtomicLong();
  private final AtomicLong readsFailed = new AtomicLong();
  private final Map<String, Long> failedBy = new ConcurrentHashMap<>();
  private final List<String> problems = new CopyOnWriteArrayList<>();

  private static long number(String value) {
    return Long.parseLong(value.substring(1));
  }

  /** Reads the key at QUORUM through node i; counts it missing or older than acknowledged. */
  private void check(ProcessCluster c, int i, String key, long ackedNumber, Kv.Consistency consistency) {
    Kv.GetResponse r = c.client(i).get(key, consistency);
    checked.incrementAndGet();
    if (!r.getFound()) {
      missing.incrementAndGet();
      problems.add(key + " not found through node" + (i + 1));
    } else if (number(r.getValue()) < ackedNumber) {
      stale.incrementAndGet();
      problems.add(key + " old through node" + (i + 1) + ": " + r.getValue() + " < v" + ackedNumber);
    }
  }

  /**
   * Stops the load, waits until every hint is delivered, then reads every acknowledged key at ONE
   * through node4 and node5 (the nodes that joined): what they streamed and what was written to
   * them while they joined must all be there.
   */
  private void stopAndCheckTheJoinedAtOne(ProcessCluster c, AtomicBoolean running, List<Thread> load, String what)
      throws InterruptedException {
    running.set(false);
    for (Thread t : load) {
      t.join(10_000);
    }
    List<Integer> all = List.of(0, 1, 2, 3, 4);
    awaitNoHints(c, all);
    for (Map.Entry<String, Long> e : Map.copyOf(acked).entrySet()) {
      check(c, 3, e.getKey(), e.getValue(), Kv.Consistency.ONE);
      check(c, 4, e.getKey(), e.getValue(), Kv.Consistency.ONE);
    }
    if (!problems.isEmpty()) {
      printMoves(c);
      printCopies(c, all);
    }
    assertEquals(List.of(), problems.subList(0, Math.min(20, problems.size())), problems.size() + " problems, " + what);
  }

  /** What each node said about the moves, for a failure the temporary logs will not outlive. */
  private static void printMoves(ProcessCluster c) {
    java.util.regex.Pattern moves = java.util.regex.Pattern.compile("BOOTSTRAP|STREAM|JOIN|GOSSIP|HINT|WARN|ERROR");
    for (int i = 0; i < c.size(); i++) {
      List<String> lines = c.log(i).lines().filter(l -> moves.matcher(l).find()).toList();
      System.out.println("---- node" + (i + 1) + ": " + lines.size() + " lines on moves, hints and warnings (last 150)");
      lines.subList(Math.max(0, lines.size() - 150), lines.size()).forEach(System.out::println);
    }
  }

  /**
   * For the first problem keys: the ring's replicas and what each node holds, through its replica
   * API (row cache, then SQLite) and straight from its database file, so a failure tells a missed
   * write from a stale read.
   */
  private void printCopies(ProcessCluster c, List<Integer> nodes) {
    kvstore.ring.Ring ring = kvstore.ring.Ring.of(List.of("node1", "node2", "node3", "node4", "node5"), 128);
    GrpcClient peers = GrpcClient.client(c.clientVertxForTools());
    try {
      for (String problem : problems.subList(0, Math.min(8, problems.size()))) {
        String key = problem.substring(0, problem.indexOf(' '));
        StringBuilder line = new StringBuilder("---- " + key + " (acked v" + acked.get(key) + ") replicas "
            + ring.preferenceList(key, 3) + ":");
        for (int i : nodes) {
          ReplicaGrpcClient r = ReplicaGrpcClient.create(peers, PeerClients.address("127.0.0.1:" + c.config(i).getInteger("peerPort")));
          ReplicaProto.ReadResult got = r.read(ReplicaProto.ReadRequest.newBuilder().setKey(key).build()).await();
          line.append(" node").append(i + 1).append("=").append(got.getPresent() ? got.getRow().getValue().toStringUtf8() + "@" + got.getRow().getVersion() : "-");
          String file = "jdbc:sqlite:" + Path.of(c.config(i).getString("dataDir")).resolve("kv.db");
          try (java.sql.Connection db = java.sql.DriverManager.getConnection(file);
               java.sql.PreparedStatement q = db.prepareStatement("SELECT value, version FROM kv WHERE key = ?")) {
            q.setString(1, key);
            try (java.sql.ResultSet rs = q.executeQuery()) {
              line.append(rs.next() ? "/file " + new String(rs.getBytes(1), java.nio.charset.StandardCharsets.UTF_8) + "@" + rs.getLong(2) : "/file -");
            }
          } catch (java.sql.SQLException e) {
            line.append("/file ?").append(e.getMessage());
          }
        }
        System.out.println(line);
      }
    } finally {
      peers.close().await();
    }
  }

  private static KvctlRun kvctl(String... args) {
    return KvctlRun.of(300, args);
  }

  private static boolean everyoneSees(ProcessCluster c, List<Integer> observers, String nodeId, String state) {
    for (int o : observers) {
      if (!c.stateSeenBy(o, nodeId).equals(state) || !c.statusSeenBy(o, nodeId).equals("UP")) {
        return false;
      }
    }
    return true;
  }

  @Test
  @Timeout(value = 15, unit = TimeUnit.MINUTES)
  void joinsDecommissionAndRemovenodeUnderLoadLoseNoAcknowledgedWrite() throws Exception {
    try (ProcessCluster c = new ProcessCluster(dir, 5, (i, cfg) -> cfg.put("failureDetectorPauseMs", 300)
        .put("failureDetectorMinStdDevMs", 100).put("streamRowsPerSec", 5000)).seedsFirst(3)) {
      for (int i = 0; i < 3; i++) {
        c.start(i);
      }
      c.awaitUp(3);
      for (int i = 0; i < KEYS; i++) {
        assertTrue(c.client(0).put("key" + i, "v" + i, Kv.Consistency.QUORUM).getOk());
        acked.put("key" + i, (long) i);
      }

      AtomicBoolean running = new AtomicBoolean(true);
      List<Thread> load = load(c, running, KEYS);

      // two nodes join at once: one change at a time, so one streams after the other
      c.launch(3);
      c.launch(4);
      List<Integer> all = List.of(0, 1, 2, 3, 4);
      Await.until("node4 and node5 NORMAL everywhere and done", Duration.ofSeconds(180), () ->
          everyoneSees(c, all, "node4", "NORMAL") && everyoneSees(c, all, "node5", "NORMAL")
              && c.log(3).contains("[BOOTSTRAP] done") && c.log(4).contains("[BOOTSTRAP] done"));
      coordinators.addAll(List.of(3, 4));
      // with the writes paused and every hint delivered, reads at ONE through the nodes that just
      // joined find everything: what they streamed and what was written to them while they joined
      stopAndCheckTheJoinedAtOne(c, running, load, "after the joins");
      running = new AtomicBoolean(true);
      load = load(c, running, KEYS);

      // node1 replicated every key with three nodes; with five it gives some up
      KvctlRun cleanup = kvctl("cleanup", "--node", c.grpcAddress(0));
      assertEquals(0, cleanup.exit(), cleanup.out());
      java.util.regex.Matcher deleted = java.util.regex.Pattern.compile("deleted (\\d+) of (\\d+) rows").matcher(cleanup.out());
      assertTrue(deleted.find(), cleanup.out());
      long gone = Long.parseLong(deleted.group(1));
      long had = Long.parseLong(deleted.group(2));
      assertTrue(gone > had / 10 && gone < had, "cleanup deleted " + gone + " of " + had + " rows");

      // node2 decommissions under load
      coordinators.remove(Integer.valueOf(1));
      KvctlRun decommission = kvctl("decommission", "--node", c.grpcAddress(1));
      assertEquals(0, decommission.exit(), decommission.out());
      assertTrue(decommission.out().contains("done: decommission"), decommission.out());
      assertTrue(c.process(1).waitFor(60, TimeUnit.SECONDS), "node2 exits once it has left");
      assertEquals(0, c.process(1).exitValue());
      Await.until("node2 LEFT everywhere", Duration.ofSeconds(30), () ->
          List.of(0, 2, 3, 4).stream().allMatch(o -> c.statusSeenBy(o, "node2").equals("LEFT")));

      // node3 dies and is removed
      coordinators.remove(Integer.valueOf(2));
      c.kill(2);
      Await.until("node3 DOWN everywhere", Duration.ofSeconds(30), () ->
          List.of(0, 3, 4).stream().allMatch(o -> c.statusSeenBy(o, "node3").equals("DOWN")));
      // kvctl where names the dead replica instead of aborting on it
      String onNode3 = acked.keySet().stream().filter(k -> kvstore.ring.Ring.of(List.of("node1", "node3", "node4", "node5"), 128)
          .preferenceList(k, 3).contains("node3")).findFirst().orElseThrow();
      KvctlRun where = kvctl("where", onNode3, "--node", c.grpcAddress(0));
      assertTrue(where.out().lines().anyMatch(l -> l.startsWith("node3") && l.contains("DOWN") && l.contains("unreachable")), where.out());
      assertTrue(where.out().lines().filter(l -> l.startsWith("node1") || l.startsWith("node4") || l.startsWith("node5"))
          .anyMatch(l -> !l.contains("unreachable")), "the live replicas are still shown: " + where.out());
      KvctlRun remove = kvctl("removenode", "node3", "--node", c.grpcAddress(0));
      assertEquals(0, remove.exit(), remove.out());
      Await.until("node3 LEFT everywhere", Duration.ofSeconds(30), () ->
          List.of(0, 3, 4).stream().allMatch(o -> c.statusSeenBy(o, "node3").equals("LEFT")));

      running.set(false);
      for (Thread t : load) {
        t.join(10_000);
      }
      assertEquals(0, missing.get() + stale.get(), "QUORUM reads during the moves: " + missing + " not found, " + stale
          + " old of " + readerReads + "; " + problems.subList(0, Math.min(20, problems.size())));
      assertAvailable("joins, cleanup, decommission, kill and removenode", 0.02);

      // every acknowledged write, through every remaining node, and on every replica
      List<Integer> left = List.of(0, 3, 4);
      for (Map.Entry<String, Long> e : acked.entrySet()) {
        for (int i : left) {
          check(c, i, e.getKey(), e.getValue(), Kv.Consistency.QUORUM);
        }
      }
      assertEquals(List.of(), problems.subList(0, Math.min(20, problems.size())), acked.size() + " acknowledged keys read back");
      GrpcClient peers = GrpcClient.client(c.clientVertxForTools());
      try {
        for (int i : left) {
          ReplicaGrpcClient replica = ReplicaGrpcClient.create(peers, PeerClients.address("127.0.0.1:" + c.config(i).getInteger("peerPort")));
          int held = 0;
          for (String key : acked.keySet()) {
            if (replica.read(ReplicaProto.ReadRequest.newBuilder().setKey(key).build()).await().getPresent()) {
              held++;
            }
          }
          // three nodes left with RF 3: each holds every key
          assertEquals(acked.size(), held, "rows on node" + (i + 1));
          ReplicaGrpcClient r = replica;
          Await.until("node" + (i + 1) + " to drop its hints for the removed nodes", Duration.ofSeconds(20), () -> {
            Map<String, Long> hints = r.status(ReplicaProto.StatusRequest.getDefaultInstance()).await().getHintsPendingMap();
            return !hints.containsKey("node3") && !hints.containsKey("node2");
          });
        }
      } finally {
        peers.close().await();
      }

      // the decommissioned node cannot come back with its old data
      Process back = c.launch(1);
      assertTrue(back.waitFor(60, TimeUnit.SECONDS), "node2 with its old data exits");
      assertTrue(back.exitValue() != 0);
      assertTrue(c.log(1).contains("has left the cluster; wipe its dataDir"), c.log(1));
    }
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void aJoinWaitsForAMemberThatOnlyLooksDeadAndMissesNoneOfItsWrites() throws Exception {
    try (ProcessCluster c = new ProcessCluster(dir, 4, (i, cfg) -> cfg.put("failureDetectorPauseMs", 300)
        .put("failureDetectorMinStdDevMs", 100)).seedsFirst(3)) {
      startSeedsWithKeys(c, 300);
      // node3 stops as a starved or suspended node does: DOWN to the others, yet alive, with its
      // connections open and its view of the ring as it was
      c.pause(2);
      Await.until("node3 DOWN", Duration.ofSeconds(30), () -> c.statusSeenBy(0, "node3").equals("DOWN")
          && c.statusSeenBy(1, "node3").equals("DOWN"));
      c.launch(3);
      // node4 never reached node3, but node1 and node2 gossip about it: it is a member all the same
      Await.until("node4 to say it waits for node3", Duration.ofSeconds(90), () -> c.log(3).contains("not heard by node3 ("));
      assertFalse(c.log(3).contains("[BOOTSTRAP] done"), "no range moved while node3 had not heard of the join");

      // writes sent to node3 while it is stopped wait in its sockets; it coordinates them as soon
      // as it runs again, before its next gossip round could tell it of node4
      List<Thread> writers = new ArrayList<>();
      kvstore.version.ClientClock stamps = kvstore.version.ClientClock.system();
      for (int w = 0; w < 8; w++) {
        int first = 300 + w * 25;
        Thread t = new Thread(() -> {
          for (int k = first; k < first + 25; k++) {
            try {
              // stamped by the client, as our clients do: a write the node stamps itself right after
              // a stall is refused (stallRefuseMs), and these are exactly the writes to coordinate
              if (c.client(2).put(Kv.PutRequest.newBuilder().setKey("key" + k).setValue("v" + (1000 + k))
                  .setConsistency(Kv.Consistency.QUORUM).setTimestampUs(stamps.next()).build()).getOk()) {
                acked.merge("key" + k, 1000L + k, Math::max);
              }
            } catch (RuntimeException e) {
              // not acknowledged: nothing to record
            }
          }
        }, "writer-" + w);
        t.start();
        writers.add(t);
      }
      c.resume(2);
      for (Thread t : writers) {
        t.join(60_000);
      }
      assertTrue(acked.size() > 300, "writes through node3 were acknowledged once it ran again: " + acked.size() + " keys");
      List<Integer> all = List.of(0, 1, 2, 3);
      Await.until("node4 NORMAL everywhere and done", Duration.ofSeconds(120), () ->
          everyoneSees(c, all, "node4", "NORMAL") && c.log(3).contains("[BOOTSTRAP] done"));
      awaitNoHints(c, all);
      for (Map.Entry<String, Long> e : Map.copyOf(acked).entrySet()) {
        check(c, 3, e.getKey(), e.getValue(), Kv.Consistency.ONE);
      }
      assertEquals(List.of(), problems.subList(0, Math.min(20, problems.size())), acked.size() + " acknowledged keys read at ONE through node4");
    }
  }

  /**
   * Two joins, the earlier one (by generation, which decides which move goes first) heard of late:
   * node5 starts first but reaches the cluster only through a seed that opens once node4 streams.
   * From then on coordinators send the writes of the ranges that move to node5, not node4; node4
   * must not become NORMAL on a stream that missed them: every write acknowledged while both
   * joined is read at ONE through node4 and node5 once hints are delivered.
   */
  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void aJoinOvertakenByAnEarlierJoinerMissesNoneOfItsWrites() throws Exception {
    try (ProcessCluster c = new ProcessCluster(dir, 5, (i, cfg) -> cfg.put("streamRowsPerSec", 400)).seedsFirst(3)) {
      startSeedsWithKeys(c, 900);
      kvstore.testing.LateSeed seed = new kvstore.testing.LateSeed(c.config(0).getInteger("peerPort"));
      try (seed) {
        c.config(4).put("seeds", new io.vertx.core.json.JsonArray().add(seed.address()));
        c.launch(4);
        Await.until("node5 started, alone", Duration.ofSeconds(60), () -> c.log(4).contains("serving clients on"));
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> load = load(c, running, 900);
        c.launch(3);
        Await.until("node4 streaming", Duration.ofSeconds(90), () -> c.log(3).contains("[BOOTSTRAP] streaming"));
        seed.open();
        List<Integer> all = List.of(0, 1, 2, 3, 4);
        Await.until("node4 and node5 NORMAL everywhere and done", Duration.ofSeconds(180), () ->
            everyoneSees(c, all, "node4", "NORMAL") && everyoneSees(c, all, "node5", "NORMAL")
                && c.log(3).contains("[BOOTSTRAP] done") && c.log(4).contains("[BOOTSTRAP] done"));
        // the schedule did what it is for: node5 went first once heard of, and node4 streamed again after it
        assertTrue(c.log(3).contains("the move of node5 went first while that of node4 streamed"), c.log(3));
        assertTrue(c.log(3).indexOf("[BOOTSTRAP] done") > c.log(3).indexOf("streaming again"), c.log(3));
        stopAndCheckTheJoinedAtOne(c, running, load, "acknowledged keys read at ONE through node4 and node5");
      }
    }
  }

  /**
   * A write acknowledged at QUORUM by the node later removed and one other replica, while the
   * third replica was down (no hints, no anti-entropy to bring it there): removenode must copy each
   * range from enough survivors that the new owner gets it, so it stays on two replicas.
   */
  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void removenodeKeepsAWriteThatOnlyTheDeadNodeAndOneSurvivorHeld() throws Exception {
    try (ProcessCluster c = new ProcessCluster(dir, 4, (i, cfg) -> cfg.put("hintedHandoff", false)).start()) {
      c.awaitUp(4);
      c.kill(2);
      Await.until("node3 DOWN everywhere", Duration.ofSeconds(30), () ->
          List.of(0, 1, 3).stream().allMatch(o -> c.statusSeenBy(o, "node3").equals("DOWN")));
      for (int i = 0; i < 600; i++) {
        assertTrue(c.client(i % 2).put("key" + i, "v" + i, Kv.Consistency.QUORUM).getOk());
        acked.put("key" + i, (long) i);
      }
      c.start(2);
      Await.until("node3 UP everywhere", Duration.ofSeconds(30), () ->
          List.of(0, 1, 3).stream().allMatch(o -> c.statusSeenBy(o, "node3").equals("UP")));
      c.kill(3);
      Await.until("node4 DOWN everywhere", Duration.ofSeconds(30), () ->
          List.of(0, 1, 2).stream().allMatch(o -> c.statusSeenBy(o, "node4").equals("DOWN")));
      KvctlRun remove = kvctl("removenode", "node4", "--node", c.grpcAddress(0));
      assertEquals(0, remove.exit(), remove.out());
      Await.until("node4 LEFT everywhere", Duration.ofSeconds(30), () ->
          List.of(0, 1, 2).stream().allMatch(o -> c.statusSeenBy(o, "node4").equals("LEFT")));
      // three nodes, RF 3: each key's replicas are all three; count the copies before any read repairs one
      Map<String, Integer> copies = new java.util.HashMap<>();
      GrpcClient peers = GrpcClient.client(c.clientVertxForTools());
      try {
        for (int i = 0; i < 3; i++) {
          ReplicaGrpcClient replica = ReplicaGrpcClient.create(peers, PeerClients.address("127.0.0.1:" + c.config(i).getInteger("peerPort")));
          for (String key : acked.keySet()) {
            if (replica.read(ReplicaProto.ReadRequest.newBuilder().setKey(key).build()).await().getPresent()) {
              copies.merge(key, 1, Integer::sum);
            }
          }
        }
      } finally {
        peers.close().await();
      }
      List<String> underReplicated = acked.keySet().stream().filter(k -> copies.getOrDefault(k, 0) < 2).sorted().toList();
      assertEquals(List.of(), underReplicated.subList(0, Math.min(20, underReplicated.size())),
          underReplicated.size() + " of " + acked.size() + " acknowledged keys on fewer than two replicas after removenode");
      for (Map.Entry<String, Long> e : acked.entrySet()) {
        for (int i = 0; i < 3; i++) {
          check(c, i, e.getKey(), e.getValue(), Kv.Consistency.QUORUM);
        }
      }
      assertEquals(List.of(), problems.subList(0, Math.min(20, problems.size())), acked.size() + " acknowledged keys at QUORUM");
    }
  }

  /** Starts the three seeds and writes key0..key{n-1} at QUORUM through them in turn, each recorded as acknowledged. */
  private void startSeedsWithKeys(ProcessCluster c, int n) {
    for (int i = 0; i < 3; i++) {
      c.start(i);
    }
    c.awaitUp(3);
    for (int i = 0; i < n; i++) {
      assertTrue(c.client(i % 3).put("key" + i, "v" + i, Kv.Consistency.QUORUM).getOk());
      acked.put("key" + i, (long) i);
    }
  }

  /** Waits until no node keeps a hint for another: every write that missed a replica has reached it. */
  private static void awaitNoHints(ProcessCluster c, List<Integer> nodes) {
    GrpcClient peers = GrpcClient.client(c.clientVertxForTools());
    try {
      for (int i : nodes) {
        ReplicaGrpcClient r = ReplicaGrpcClient.create(peers, PeerClients.address("127.0.0.1:" + c.config(i).getInteger("peerPort")));
        Await.until("node" + (i + 1) + " to deliver its hints", Duration.ofSeconds(60), () ->
            r.status(ReplicaProto.StatusRequest.getDefaultInstance()).await().getHintsPendingMap().values().stream().allMatch(n -> n == 0));
      }
    } finally {
      peers.close().await();
    }
  }

  /** Writes at QUORUM and checks acknowledged keys at QUORUM through the coordinators until {@code running} turns false. */
  private List<Thread> load(ProcessCluster c, AtomicBoolean running, int keys) {
    sequence.compareAndSet(0, keys);
    Thread writer = new Thread(() -> {
      while (running.get()) {
        String key = "key" + ThreadLocalRandom.current().nextInt(keys + keys / 2);
        long n = sequence.incrementAndGet();
        int via = coordinators.get((int) (n % coordinators.size()));
        writesTried.incrementAndGet();
        try {
          if (c.client(via).put(key, "v" + n, Kv.Consistency.QUORUM).getOk()) {
            acked.merge(key, n, Math::max);
          }
        } catch (RuntimeException e) {
          // not acknowledged: nothing to record as written, but counted against availability
          writesFailed.incrementAndGet();
          failedBy.merge("write via node" + (via + 1) + ": " + statusOf(e), 1L, Long::sum);
        }
      }
    }, "writer");
    Thread reader = new Thread(() -> {
      while (running.get()) {
        List<String> ks = new ArrayList<>(acked.keySet());
        String key = ks.get(ThreadLocalRandom.current().nextInt(ks.size()));
        long before = acked.get(key);
        int via = coordinators.get(ThreadLocalRandom.current().nextInt(coordinators.size()));
        try {
          check(c, via, key, before, Kv.Consistency.QUORUM);
          readerReads.incrementAndGet();
        } catch (RuntimeException e) {
          // a read that failed is not a read that lied, but it counts against availability
          readsFailed.incrementAndGet();
          failedBy.merge("read via node" + (via + 1) + ": " + statusOf(e), 1L, Long::sum);
        }
      }
    }, "reader");
    writer.start();
    reader.start();
    return List.of(writer, reader);
  }

  private static String statusOf(RuntimeException e) {
    return e instanceof io.vertx.grpc.client.InvalidStatusException s ? s.actualStatus().name() : e.getClass().getSimpleName();
  }

  /**
   * Availability during the moves: the reader ran, and at most {@code maxShare} of the writes and
   * of the reads failed (a killed coordinator's calls in flight, a node leaving); the counts are printed.
   */
  private void assertAvailable(String during, double maxShare) {
    String counts = during + ": " + writesFailed + " of " + writesTried + " writes and " + readsFailed + " of "
        + (readerReads.get() + readsFailed.get()) + " reads failed " + failedBy;
    System.out.println("[MembershipChangesIT] " + counts);
    assertTrue(readerReads.get() > 200, "the reader ran: " + counts);
    assertTrue(writesFailed.get() <= maxShare * writesTried.get(), counts);
    assertTrue(readsFailed.get() <= maxShare * (readerReads.get() + readsFailed.get()), counts);
  }

  @org.junit.jupiter.params.ParameterizedTest(name = "RF {0}")
  @org.junit.jupiter.params.provider.ValueSource(ints = {1, 2})
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void aJoinWithASmallReplicationFactorNeverHidesAKey(int rf) throws Exception {
    try (ProcessCluster c = new ProcessCluster(dir, 4, (i, cfg) -> cfg.put("replicationFactor", rf)).seedsFirst(3)) {
      startSeedsWithKeys(c, 1000);
      AtomicBoolean running = new AtomicBoolean(true);
      List<Thread> load = load(c, running, 1000);
      c.launch(3);
      Await.until("node4 NORMAL everywhere and done", Duration.ofSeconds(120), () ->
          everyoneSees(c, List.of(0, 1, 2, 3), "node4", "NORMAL") && c.log(3).contains("[BOOTSTRAP] done"));
      coordinators.add(3);
      // a few more seconds of load with node4 serving
      long reads = checked.get();
      Await.until("500 more reads", Duration.ofSeconds(60), () -> checked.get() > reads + 500);
      running.set(false);
      for (Thread t : load) {
        t.join(10_000);
      }
      assertEquals(0, missing.get() + stale.get(), "reads during and after the join: " + missing + " not found, " + stale + " old of "
          + checked + "; " + problems.subList(0, Math.min(20, problems.size())));
      // a join kills nothing: every call answers
      assertAvailable("a join with RF " + rf, 0.0);
      for (Map.Entry<String, Long> e : acked.entrySet()) {
        for (int i = 0; i < 4; i++) {
          check(c, i, e.getKey(), e.getValue(), Kv.Consistency.QUORUM);
        }
      }
      assertEquals(List.of(), problems.subList(0, Math.min(20, problems.size())), acked.size() + " keys through every node");
    }
  }

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void aReplacementStreamsTheDeadNodesRangesBeforeItServesAndABehindReplicaMissesNothing() throws Exception {
    try (ProcessCluster c = new ProcessCluster(dir, 3, (i, cfg) -> cfg.put("failureDetectorPauseMs", 300)
        .put("failureDetectorMinStdDevMs", 100)).start()) {
      // node2 is down while 800 keys are written through node3: its hints for them live on node3 only
      c.kill(1);
      Await.until("node2 DOWN", Duration.ofSeconds(30), () -> c.statusSeenBy(0, "node2").equals("DOWN")
          && c.statusSeenBy(2, "node2").equals("DOWN"));
      for (int i = 0; i < 800; i++) {
        assertTrue(c.client(2).put("key" + i, "v" + i, Kv.Consistency.QUORUM).getOk());
        acked.put("key" + i, (long) i);
      }
      // node3 dies with its disk; node2 comes back behind (its hints died with node3)
      c.kill(2);
      try (var files = Files.walk(Path.of(c.config(2).getString("dataDir")))) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
      c.start(1);
      Await.until("node3 DOWN and node2 UP", Duration.ofSeconds(30), () -> c.statusSeenBy(0, "node3").equals("DOWN")
          && c.statusSeenBy(0, "node2").equals("UP"));
      assertFalse(c.client(1).get("key5", Kv.Consistency.ONE).getFound() && c.client(1).get("key6", Kv.Consistency.ONE).getFound(),
          "node2 missed the writes");

      // a fresh node3 replaces the dead one
      c.config(2).put("replaceNode", "node3");
      c.start(2);
      Await.until("node3 NORMAL everywhere and done", Duration.ofSeconds(120), () ->
          everyoneSees(c, List.of(0, 1, 2), "node3", "NORMAL") && c.log(2).contains("[REPLACE] done"));

      // node1, which held the only other copies, goes away: node2 and the replacement must answer for everything
      c.kill(0);
      Await.until("node1 DOWN", Duration.ofSeconds(30), () -> c.statusSeenBy(1, "node1").equals("DOWN"));
      for (Map.Entry<String, Long> e : acked.entrySet()) {
        check(c, 1, e.getKey(), e.getValue(), Kv.Consistency.QUORUM);
        check(c, 2, e.getKey(), e.getValue(), Kv.Consistency.QUORUM);
      }
      assertEquals(List.of(), problems.subList(0, Math.min(20, problems.size())), acked.size() + " keys at QUORUM through node2 and node3");
    }
  }

  @Test
  void aNodeWithOtherClusterSettingsIsRefusedWithOneLine() throws Exception {
    try (ProcessCluster c = new ProcessCluster(dir, 4, (i, cfg) -> { }).seedsFirst(3)) {
      for (int i = 0; i < 3; i++) {
        c.start(i);
      }
      c.awaitUp(3);
      List<JsonObject> wrong = List.of(new JsonObject().put("replicationFactor", 1), new JsonObject().put("vnodes", 16),
          new JsonObject().put("clusterName", "other"));
      List<String> said = List.of("replicationFactor is 3 in this cluster and 1 on \"node4\"",
          "vnodes is 128 in this cluster and 16 on \"node4\"", "clusterName is 'kvstore' in this cluster and 'other' on \"node4\"");
      JsonObject base = c.config(3).copy();
      for (int k = 0; k < wrong.size(); k++) {
        c.config(3).clear().mergeIn(base).mergeIn(wrong.get(k));
        Process p = c.launch(3);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "node4 exits when the cluster refuses it");
        assertEquals(1, p.exitValue());
        String log = c.log(3);
        assertTrue(log.contains(said.get(k)), log);
        assertEquals("ABSENT", c.statusSeenBy(0, "node4"), "the cluster never took node4");
        assertTrue(Files.readString(dir.resolve("node1.log")).contains("[GOSSIP] refused \"node4\": cluster settings differ"));
      }
    }
  }
}
