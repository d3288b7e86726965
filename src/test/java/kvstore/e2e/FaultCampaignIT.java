package kvstore.e2e;

import kvstore.campaign.CasChecker;
import kvstore.campaign.CasRecorder;
import kvstore.campaign.Checker;
import kvstore.campaign.Convergence;
import kvstore.campaign.HistoryRecorder;
import kvstore.campaign.Nemesis;
import kvstore.campaign.Op;
import kvstore.campaign.Timeline;
import kvstore.testing.Await;
import kvstore.testing.KvClient;
import kvstore.testing.KvctlRun;
import kvstore.testing.ProcessCluster;
import kvstore.testing.BridgedNamespaces;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A fault campaign: four real nodes (RF 3, each in a network namespace of its own on one bridge,
 * node3's dataDir on a 48 MB tmpfs), six clients recording a history of puts, gets and deletes
 * through random nodes and three incrementing a counter by compare-and-set ({@link CasRecorder}), and a seeded nemesis of overlapping kills, short and long pauses,
 * partitions, node3's disk filled, clocks ahead and behind, membership changes and a rolling restart
 * ({@link Nemesis}); then every fault healed, a repair, and a final read of every key at ALL. The history is checked against the README's promises
 * ({@link Checker}); the history (JSON lines) and a timeline page are written to
 * target/campaign/seed-N/. KV_CAMPAIGN_SEED and KV_CAMPAIGN_SECONDS replay or lengthen a run
 * (src/bench/campaign.sh runs many); CI runs one fixed seed for 60 s.
 */
class FaultCampaignIT {
  @TempDir
  Path dir;

  private static final Path FAKETIME = Path.of("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1");

  @Test
  @Timeout(value = 12, unit = TimeUnit.HOURS) // the run's own deadline below depends on its length
  void aSeededCampaignOfOverlappingFaultsBreaksNoPromise() throws Exception {
    long seed = Long.parseLong(System.getenv().getOrDefault("KV_CAMPAIGN_SEED", "3"));
    long seconds = Long.parseLong(System.getenv().getOrDefault("KV_CAMPAIGN_SECONDS", "60"));
    System.out.println("[campaign] KV_CAMPAIGN_SEED=" + seed + " KV_CAMPAIGN_SECONDS=" + seconds
        + " mvn -B verify -Dtest=none -Dit.test=FaultCampaignIT -Dsurefire.failIfNoSpecifiedTests=false");
    BridgedNamespaces net = new BridgedNamespaces("kvfc", (int) (ProcessHandle.current().pid() % 200) + 21, 4);
    try {
      net.create();
    } catch (IOException e) {
      Assumptions.abort("network namespaces cannot be created here (needs root and iproute2): " + e.getMessage());
    }
    Path out = Path.of("target", "campaign", "seed-" + seed);
    Files.createDirectories(out);
    Path smallDisk = dir.resolve("data3");
    Files.createDirectories(smallDisk);
    boolean mounted = run("mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", smallDisk.toString());
    boolean clocks = Files.isRegularFile(FAKETIME);
    System.out.println("[campaign] faults: kill, pause, partitions (isolate, split, bridge), lost disk, decommission, removenode, rolling restart"
        + (mounted ? ", disk-full node3" : " (no disk-full: cannot mount a tmpfs here)")
        + (clocks ? ", clocks ahead and behind" : " (no clock faults: " + FAKETIME + " is missing; apt-get install faketime)"));
    // the cluster, the namespaces and the mount are made and undone on this thread, so a run past its
    // deadline (the faults, up to 5 minutes of healing and the checks) still leaves nothing behind
    try (net; ProcessCluster c = new ProcessCluster(dir, 4, (i, cfg) -> cfg.put("gossipIntervalMs", 500)
        .put("failureDetectorPauseMs", 300).put("failureDetectorMinStdDevMs", 100))
        .withHosts(net.ip(0), net.ip(1), net.ip(2), net.ip(3))) {
      for (int i = 0; i < 4; i++) {
        c.prefix(i, net.prefix(i));
      }
      Assertions.assertTimeoutPreemptively(Duration.ofSeconds(seconds + 600), () -> campaign(c, net, mounted, smallDisk, clocks, seed, seconds, out));
    } finally {
      if (mounted) {
        run("umount", "-l", smallDisk.toString());
      }
    }
  }

  private static void campaign(ProcessCluster c, BridgedNamespaces net, boolean mounted, Path smallDisk, boolean clocks, long seed, long seconds, Path out)
      throws Exception {
    c.start();
    List<KvClient> clients = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (int n = 0; n < 4; n++) {
      clients.add(LateWriteIT.connectedClient(c, n));
      names.add("node" + (n + 1));
    }
    long t0 = System.nanoTime();
    HistoryRecorder recorder = new HistoryRecorder(clients, names, 20, seed, t0).start(6);
    List<KvClient> patient = new ArrayList<>();
    for (int n = 0; n < 4; n++) {
      // a compare-and-set may take up to casTimeoutMs (5 s) under contention: a deadline beyond it
      patient.add(new KvClient(c.clientVertxForTools(), c.host(n), c.config(n).getInteger("grpcPort"), 6000));
    }
    CasRecorder cas = new CasRecorder(patient, seed, t0).start(3);
    Nemesis.Network network = new Nemesis.Network() {
      @Override
      public void partition(List<Set<Integer>> sides) throws Exception {
        net.partition(sides);
      }

      @Override
      public void heal() throws Exception {
        net.heal();
      }
    };
    Nemesis.Disk disk = new Nemesis.Disk() {
      private final Path ballast = smallDisk.resolve("ballast");

      @Override
      public void fill() throws IOException {
        byte[] mb = new byte[1 << 20];
        try (var o = Files.newOutputStream(ballast)) {
          while (true) {
            o.write(mb);
          }
        } catch (IOException full) {
          // the file system is full: what the fault is
        }
      }

      @Override
      public void free() throws IOException {
        Files.deleteIfExists(ballast);
      }
    };
    Nemesis nemesis = new Nemesis(c, seed, new Nemesis.Means(network, mounted ? 2 : -1, disk, clocks ? FAKETIME : null), t0, 2);
    nemesis.run(seconds);
    if (!nemesis.errors().isEmpty()) {
      // the run is failed, but its history is still healed and checked: an hour of faults is not thrown away
      System.out.println("[campaign] the nemesis itself failed, healing and checking anyway: " + nemesis.errors());
      nemesis.restartStopped();
    }
    // every fault healed (the nemesis heals each before it returns): the clients go on a little
    Await.until("every node UP and NORMAL everywhere", Duration.ofSeconds(120), () -> {
      for (int i = 0; i < 4; i++) {
        for (int j = 0; j < 4; j++) {
          if (!c.statusSeenBy(i, "node" + (j + 1)).equals("UP") || !c.stateSeenBy(i, "node" + (j + 1)).equals("NORMAL")) {
            return false;
          }
        }
      }
      return true;
    });
    // the clients go on until a few hundred more calls have been acknowledged on the healed cluster
    long healedAt = recorder.acknowledged();
    Await.until("acknowledged calls after healing", Duration.ofSeconds(60), () -> recorder.acknowledged() >= healedAt + 200);
    List<Op> history = recorder.stop();
    List<CasChecker.CasOp> casHistory = cas.stop(0);
    KvctlRun repair = KvctlRun.of(300, "repair", "--node", c.grpcAddress(0));
    assertTrue(repair.exit() == 0, "repair after healing: " + repair.out());
    List<Op> finals = recorder.finalReads(clients.get(0), "node1");
    List<Checker.Violation> violations = new ArrayList<>(Checker.readmePromises().check(history, finals));
    for (Op o : history) {
      if (o.error() != null && (o.error().contains("INTERNAL") || o.error().contains("UNKNOWN"))) {
        violations.add(new Checker.Violation("internal error", o.key(), "an operation ended with " + o.error(), List.of(o)));
      }
    }
    // convergence: after the repair and the reads at ALL, every replica of every key holds the same row
    String peer = c.host(0) + ":" + c.config(0).getInteger("peerPort");
    for (int k = 0; k < 20; k++) {
      KvctlRun where = KvctlRun.of(60, "where", "key" + k, "--node", peer);
      String diverged = Convergence.diverged(where.out());
      if (diverged != null) {
        violations.add(new Checker.Violation("not converged", "key" + k, diverged, List.of()));
      }
    }
    String casVerdict = CasRecorder.check(casHistory);
    if (casVerdict != null) {
      violations.add(new Checker.Violation("compare-and-set", CasRecorder.KEY, casVerdict, List.of()));
    }
    for (int i = 0; i < 4; i++) {
      if (c.log(i).contains("unhandled exception")) {
        violations.add(new Checker.Violation("internal error", "-", "node" + (i + 1) + " logged an unhandled exception", List.of()));
      }
    }
    List<Nemesis.Fault> faultList = nemesis.faults();
    // said before the files are written, so nothing that goes wrong there can hide them
    violations.forEach(v -> System.out.println("[campaign] violation " + v));
    HistoryRecorder.write(out.resolve("history.jsonl"), history, finals);
    java.nio.file.Files.write(out.resolve("cas.txt"), cas.described());
    Timeline.write(out.resolve("timeline.html"), "seed " + seed + ", " + seconds + " s", 4, history, faultList, violations);
    faultList.forEach(f -> System.out.println("[campaign] fault " + f));
    Map<String, Integer> faults = new TreeMap<>();
    faultList.forEach(f -> faults.merge(f.kind(), 1, Integer::sum));
    Map<String, Integer> outcomes = new TreeMap<>();
    history.forEach(o -> outcomes.merge(o.type() + " " + o.outcome(), 1, Integer::sum));
    casHistory.forEach(o -> outcomes.merge((o.kind() == CasChecker.Kind.READ ? "SERIAL-GET" : "CAS") + " " + o.outcome(), 1, Integer::sum));
    System.out.println("[campaign] seed " + seed + ": faults " + faults + "; operations " + outcomes + "; " + violations.size()
        + " violations; " + out.resolve("timeline.html").toAbsolutePath());
    assertTrue(nemesis.errors().isEmpty(), "the nemesis itself failed (" + violations.size() + " violations): " + nemesis.errors());
    assertTrue(violations.isEmpty(), violations.size() + " violations (seed " + seed + "):\n"
        + String.join("\n", violations.stream().limit(20).map(v -> v + "\n  faults around it: " + around(v, faultList)).toList()));
  }

  /** The faults active within 5 s of the violation's operations. */
  private static List<Nemesis.Fault> around(Checker.Violation v, List<Nemesis.Fault> faults) {
    long from = v.ops().stream().mapToLong(Op::invokeNs).min().orElse(0) - 5_000_000_000L;
    long to = v.ops().stream().mapToLong(Op::completeNs).max().orElse(Long.MAX_VALUE) + 5_000_000_000L;
    return faults.stream().filter(f -> f.overlaps(from, to)).toList();
  }

  private static boolean run(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
