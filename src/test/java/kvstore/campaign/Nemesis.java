package kvstore.campaign;

import kvstore.testing.Await;
import kvstore.testing.KvctlRun;
import kvstore.testing.ProcessCluster;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Faults from a seed, overlapping: kill -9 then restart; SIGSTOP/SIGCONT pauses shorter and longer
 * than the failure detector's timeout; network partitions among the nodes (one node isolated, two
 * halves, a bridge where two sides see only a middle node); the disk of the node whose dataDir is a
 * small tmpfs filled and freed; a node restarted under libfaketime with its clock ahead or behind,
 * within and beyond {@code maxClockSkewMs}; membership changes (a lost disk replaced, a decommission
 * and a removenode, each node joining again wiped); a rolling restart. At most {@code overlap}
 * faults at once, never two on one node, one partition and one membership change at a time; each is
 * healed by its own thread, and {@link #run} returns only once all are healed. Every fault is
 * recorded with its times for the checker's reports and the timeline.
 */
public final class Nemesis {
  /** One fault: its kind, the node (the middle or the cut-off one of a partition), when it began and ended (ns since the run's start), what it did. */
  public record Fault(String kind, int node, long startNs, long endNs, String detail) {
    public boolean overlaps(long fromNs, long toNs) {
      return startNs <= toNs && endNs >= fromNs;
    }

    @Override
    public String toString() {
      return String.format("%s node%d %.1f-%.1f s%s", kind, node + 1, startNs / 1e9, endNs / 1e9, detail.isEmpty() ? "" : " (" + detail + ")");
    }
  }

  /** Cuts the nodes apart by sides and heals every cut. */
  public interface Network {
    void partition(List<Set<Integer>> sides) throws Exception;

    void heal() throws Exception;
  }

  /** Fills and frees the disk of the node whose dataDir is on a small file system of its own. */
  public interface Disk {
    void fill() throws Exception;

    void free() throws Exception;
  }

  /**
   * What this run can do beyond kills, pauses, membership changes and rolling restarts; null / -1
   * where it cannot: partitions, the node with a small disk, libfaketime for clock faults.
   */
  public record Means(Network network, int smallDisk, Disk disk, Path fakeTime) {
  }

  /** The nodes' {@code maxClockSkewMs} (the default): clock offsets are drawn below and beyond it. */
  private static final long SKEW_BOUND_MS = 10_000;

  private final ProcessCluster cluster;
  private final Random random;
  private final Means means;
  private final long t0;
  private final int overlap;
  private final Set<Integer> busy = Collections.synchronizedSet(new HashSet<>());
  private final List<Fault> faults = Collections.synchronizedList(new ArrayList<>());
  private final List<Thread> running = Collections.synchronizedList(new ArrayList<>());
  private final List<String> errors = Collections.synchronizedList(new ArrayList<>());
  private final AtomicBoolean partitioned = new AtomicBoolean();
  private final AtomicBoolean moving = new AtomicBoolean();
  private int active;

  private boolean rolling;

  public Nemesis(ProcessCluster cluster, long seed, Means means, long t0, int overlap) {
    this.cluster = cluster;
    this.random = new Random(seed);
    this.means = means;
    this.t0 = t0;
    this.overlap = overlap;
  }

  /** Runs faults for {@code seconds}, then waits for the ones running to heal. */
  public void run(long seconds) throws InterruptedException {
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    while (System.nanoTime() < end) {
      Thread.sleep(300 + random.nextInt(1200));
      if (activeCount() >= overlap) {
        continue;
      }
      int node = random.nextInt(cluster.size());
      int dice = random.nextInt(100);
      if (dice >= 96) {
        if (!rolling) {
          rolling = true;
          start("rolling-restart", -1, this::rollingRestart);
        }
        continue;
      }
      if (dice >= 42 && dice < 58) {
        if (means.network() != null && partitioned.compareAndSet(false, true)) {
          List<Set<Integer>> sides = sides(node, random.nextInt(3));
          long ms = 1000 + random.nextInt(7000);
          start("partition", node, () -> partition(node, sides, ms));
        }
        continue;
      }
      if (dice >= 78 && dice < 92) {
        int change = random.nextInt(3);
        if (moving.compareAndSet(false, true)) {
          if (busy.add(node)) {
            start("membership", node, () -> membership(node, change));
          } else {
            moving.set(false);
          }
        }
        continue;
      }
      if (!busy.add(node)) {
        continue;
      }
      String kind;
      if (dice < 15 || dice >= 92) {
        kind = "kill";
      } else if (dice < 30) {
        kind = "pause-short";
      } else if (dice < 42) {
        kind = "pause-long";
      } else if (dice < 66) {
        kind = node == means.smallDisk() ? "disk-full" : "pause-short";
      } else {
        kind = means.fakeTime() != null ? (random.nextBoolean() ? "clock-within" : "clock-beyond") : "kill";
      }
      long durationMs = switch (kind) {
        case "kill" -> 1000 + random.nextInt(4000);
        case "pause-short" -> 200 + random.nextInt(1000);
        case "pause-long" -> 3000 + random.nextInt(4000);
        case "clock-within", "clock-beyond" -> 4000 + random.nextInt(8000);
        default -> 1000 + random.nextInt(5000);
      };
      long offsetMs = (random.nextBoolean() ? 1 : -1) * (kind.equals("clock-within")
          ? 1000 + random.nextInt((int) SKEW_BOUND_MS / 2)
          : SKEW_BOUND_MS + 5000 + random.nextInt(10_000));
      start(kind, node, () -> fault(kind, node, durationMs, offsetMs));
    }
    for (Thread t : new ArrayList<>(running)) {
      t.join(300_000);
      if (t.isAlive()) {
        errors.add(t.getName() + " did not heal within 300 s");
      }
    }
  }

  private synchronized int activeCount() {
    return active;
  }

  private void start(String kind, int node, Runnable fault) {
    synchronized (this) {
      active++;
    }
    Thread t = new Thread(() -> {
      try {
        fault.run();
      } finally {
        synchronized (this) {
          active--;
        }
      }
    }, "nemesis-" + kind + (node >= 0 ? "-node" + (node + 1) : ""));
    running.add(t);
    t.start();
  }

  /**
   * The sides of a partition around {@code node}: 0 cuts it off from every other node; 1 splits
   * the cluster into two halves, it and the next node against the rest; 2 makes it the bridge:
   * the others in two sides that see it and not each other.
   */
  List<Set<Integer>> sides(int node, int shape) {
    int n = cluster.size();
    List<Integer> others = new ArrayList<>();
    for (int i = 1; i < n; i++) {
      others.add((node + i) % n);
    }
    return switch (shape) {
      case 0 -> List.of(Set.of(node), Set.copyOf(others));
      case 1 -> {
        Set<Integer> half = new HashSet<>(Set.of(node, others.get(0)));
        Set<Integer> rest = new HashSet<>(others.subList(1, others.size()));
        yield List.of(half, rest);
      }
      default -> {
        Set<Integer> left = new HashSet<>(others.subList(0, others.size() / 2));
        Set<Integer> right = new HashSet<>(others.subList(others.size() / 2, others.size()));
        left.add(node);
        right.add(node);
        yield List.of(left, right);
      }
    };
  }

  private void partition(int node, List<Set<Integer>> sides, long durationMs) {
    long start = System.nanoTime() - t0;
    String shape = sides.get(0).size() == 1 ? "isolate" : sides.get(0).contains(node) && sides.get(1).contains(node) ? "bridge" : "split";
    try {
      means.network().partition(sides);
      Thread.sleep(durationMs);
    } catch (Exception | AssertionError e) {
      errors.add("partition " + sides + ": " + e);
    } finally {
      try {
        means.network().heal();
      } catch (Exception e) {
        errors.add("healing partition " + sides + ": " + e);
      }
      faults.add(new Fault(shape, node, start, System.nanoTime() - t0, describe(sides)));
      partitioned.set(false);
    }
  }

  private static String describe(List<Set<Integer>> sides) {
    List<String> out = new ArrayList<>();
    for (Set<Integer> side : sides) {
      out.add(side.stream().sorted().map(i -> "node" + (i + 1)).toList().toString());
    }
    return String.join(" | ", out);
  }

  /** Each node in turn, as an operator upgrading the cluster would: SIGTERM, start, wait until it answers. */
  private void rollingRestart() {
    for (int node = 0; node < cluster.size(); node++) {
      int n = node;
      try {
        Await.until("node" + (n + 1) + " free of other faults for its restart", Duration.ofSeconds(240), () -> busy.add(n));
      } catch (AssertionError e) {
        errors.add("rolling restart: " + e.getMessage());
        return;
      }
      long start = System.nanoTime() - t0;
      try {
        cluster.terminate(node);
        startNode(node);
      } catch (Exception | AssertionError e) {
        errors.add("rolling restart of node" + (node + 1) + ": " + e);
      } finally {
        faults.add(new Fault("restart", node, start, System.nanoTime() - t0, ""));
        busy.remove(node);
      }
    }
  }

  private void fault(String kind, int node, long durationMs, long offsetMs) {
    long start = System.nanoTime() - t0;
    String detail = "";
    try {
      switch (kind) {
        case "kill" -> {
          cluster.kill(node);
          Thread.sleep(durationMs);
          startNode(node);
        }
        case "disk-full" -> {
          means.disk().fill();
          try {
            Thread.sleep(durationMs);
          } finally {
            means.disk().free();
          }
        }
        case "pause-short", "pause-long" -> {
          cluster.pause(node);
          Thread.sleep(durationMs);
          cluster.resume(node);
        }
        default -> {
          detail = "clock " + (offsetMs > 0 ? "+" : "") + offsetMs / 1000.0 + " s";
          skewedRestart(node, offsetMs, durationMs);
        }
      }
    } catch (Exception | AssertionError e) {
      errors.add(kind + " node" + (node + 1) + ": " + e + exitedBy(node));
    } finally {
      faults.add(new Fault(kind, node, start, System.nanoTime() - t0, detail));
      busy.remove(node);
    }
  }

  /** When the node's process is gone though no fault stopped it, the end of its log says why; else nothing. */
  private String exitedBy(int node) {
    Process p = cluster.process(node);
    if (p == null || p.isAlive()) {
      return "";
    }
    List<String> lines = cluster.log(node).lines().toList();
    return "; node" + (node + 1) + " had exited (status " + p.exitValue() + "), its log ends:\n  "
        + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
  }

  /**
   * The node stopped and started again under libfaketime, its wall clock {@code offsetMs} off (the
   * monotonic clock left alone, as an NTP step leaves it), then restarted with the true time.
   */
  private void skewedRestart(int node, long offsetMs, long durationMs) throws Exception {
    cluster.terminate(node);
    cluster.environment(node, Map.of("LD_PRELOAD", means.fakeTime().toString(),
        "FAKETIME", (offsetMs > 0 ? "+" : "") + String.format(java.util.Locale.ROOT, "%.3f", offsetMs / 1000.0),
        "FAKETIME_DONT_FAKE_MONOTONIC", "1",
        // libfaketime's fix-up of timed waits on the monotonic clock spins the JVM's waits
        "FAKETIME_FORCE_MONOTONIC_FIX", "0"));
    try {
      startNode(node);
      Thread.sleep(durationMs);
      cluster.terminate(node);
    } finally {
      cluster.environment(node, Map.of());
    }
    startNode(node);
  }

  /**
   * A membership change on {@code node}: 0 its disk lost (killed, wiped, started with its config:
   * it streams its ranges back as REPLACING); 1 decommissioned, then wiped and started again (it
   * joins as a new node); 2 killed, removed by another node's removenode, then wiped and started
   * again. A move that fails (other faults take its sources away) is run again, and aborted after
   * for 90 s; every step has a deadline, and missing one is a nemesis error, not a hang.
   */
  private void membership(int node, int change) {
    long start = System.nanoTime() - t0;
    String kind = switch (change) {
      case 0 -> "lost-disk";
      case 1 -> "decommission";
      default -> "removenode";
    };
    String detail = "";
    try {
      switch (change) {
        case 0 -> {
          cluster.kill(node);
          cluster.wipe(node);
          startNode(node);
        }
        case 1 -> {
          detail = move(List.of(node), via -> new String[] {"decommission", "--node", cluster.grpcAddress(via)});
          if (detail.endsWith("left")) {
            cluster.kill(node);
            cluster.wipe(node);
            startNode(node);
          }
        }
        default -> {
          cluster.kill(node);
          int by = (node + 1) % cluster.size();
          Await.until("node" + (by + 1) + " to judge node" + (node + 1) + " DOWN", Duration.ofSeconds(60),
              () -> "DOWN".equals(statusOrNull(by, node)));
          List<Integer> others = new ArrayList<>();
          for (int i = 1; i < cluster.size(); i++) {
            others.add((node + i) % cluster.size());
          }
          detail = move(others, via -> new String[] {"removenode", "node" + (node + 1), "--node", cluster.grpcAddress(via)});
          cluster.wipe(node);
          startNode(node);
        }
      }
      Await.until("node" + (node + 1) + " NORMAL again after " + kind, Duration.ofSeconds(240),
          () -> "NORMAL".equals(stateOrNull(node, node)));
    } catch (Exception | AssertionError e) {
      errors.add(kind + " node" + (node + 1) + ": " + e);
    } finally {
      faults.add(new Fault(kind, node, start, System.nanoTime() - t0, detail));
      busy.remove(node);
      moving.set(false);
    }
  }

  /**
   * Runs a move with kvctl through each of {@code via} in turn, as an operator would while other
   * faults come and go, until it succeeds or {@link #MOVE_TRIES_MS} have passed; then aborts it,
   * trying as long again. Says which.
   */
  private String move(List<Integer> via, java.util.function.IntFunction<String[]> command) throws InterruptedException {
    String last = "";
    boolean refusedOnly = true;
    long deadline = System.nanoTime() + MOVE_TRIES_MS * 1_000_000;
    for (int attempt = 1; System.nanoTime() < deadline; attempt++) {
      String[] args = command.apply(via.get((attempt - 1) % via.size()));
      KvctlRun run = KvctlRun.of(240, args);
      if (run.exit() == 0) {
        return args[0] + " on try " + attempt + ": left";
      }
      last = run.out().trim();
      refusedOnly &= last.contains(ANOTHER_CHANGE);
      Thread.sleep(3000);
    }
    String aborted = "";
    deadline = System.nanoTime() + MOVE_TRIES_MS * 1_000_000;
    for (int attempt = 1; System.nanoTime() < deadline; attempt++) {
      List<String> abort = new ArrayList<>(List.of(command.apply(via.get((attempt - 1) % via.size()))));
      abort.add(1, "--abort");
      KvctlRun run = KvctlRun.of(120, abort.toArray(new String[0]));
      if (run.exit() == 0) {
        return abort.get(0) + " aborted on try " + attempt + " (" + lastLine(last) + ")";
      }
      aborted = run.out().trim();
      if (refusedOnly && aborted.contains(NOTHING_TO_ABORT)) {
        // refused on every try because another node's change (a replace after a lost disk, say)
        // was still running, so nothing started: what an operator sees and waits out
        return command.apply(via.get(0))[0] + " refused (" + lastLine(last) + ")";
      }
      Thread.sleep(3000);
    }
    throw new AssertionError("a move failed for " + MOVE_TRIES_MS / 1000 + " s (" + lastLine(last) + ") and so did its abort: " + lastLine(aborted));
  }

  private static final long MOVE_TRIES_MS = 90_000;
  /** How a node refuses a move while another change to the ring runs. */
  private static final String ANOTHER_CHANGE = "one change to the ring at a time";
  /** How a node answers the abort of a move that never started. */
  private static final String NOTHING_TO_ABORT = "there is no move of it to abort";

  private static String lastLine(String out) {
    return out.lines().reduce((a, b) -> b).orElse("");
  }

  /**
   * Starts the node with a minute to answer (a start on two cores shared with three other nodes,
   * a test and maybe libfaketime can take more than half of that); when it does not, the error
   * carries the end of its log, which goes with the run's temporary directory.
   */
  private void startNode(int node) {
    try {
      cluster.start(node, Duration.ofSeconds(60));
    } catch (AssertionError e) {
      String log = cluster.log(node);
      List<String> lines = log.lines().toList();
      throw new AssertionError(e.getMessage() + "; node" + (node + 1) + "'s log ends:\n  "
          + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 15), lines.size())), e);
    }
  }

  /** After a nemesis error: any node whose process is not running is started again, so the run can still heal and be checked. */
  public void restartStopped() {
    for (int node = 0; node < cluster.size(); node++) {
      Process p = cluster.process(node);
      if (p == null || !p.isAlive()) {
        try {
          cluster.environment(node, Map.of());
          startNode(node);
        } catch (AssertionError e) {
          errors.add("restarting node" + (node + 1) + " after the faults: " + e.getMessage());
        }
      }
    }
  }

  private String statusOrNull(int observer, int node) {
    try {
      return cluster.statusSeenBy(observer, "node" + (node + 1));
    } catch (RuntimeException e) {
      return null;
    }
  }

  private String stateOrNull(int observer, int node) {
    try {
      return cluster.stateSeenBy(observer, "node" + (node + 1));
    } catch (RuntimeException e) {
      return null;
    }
  }

  public List<Fault> faults() {
    return new ArrayList<>(faults);
  }

  /** What went wrong in the nemesis itself (a node that would not restart): a failed run, not a finding. */
  public List<String> errors() {
    return new ArrayList<>(errors);
  }
}
