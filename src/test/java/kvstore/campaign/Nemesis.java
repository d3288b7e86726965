package kvstore.campaign;

import kvstore.testing.Await;
import kvstore.testing.ProcessCluster;

import java.time.Duration;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Faults from a seed, overlapping: kill -9 then restart; SIGSTOP/SIGCONT pauses shorter and longer
 * than the failure detector's timeout; the link of the node in a network namespace cut and healed;
 * the disk of the node whose dataDir is a small tmpfs filled and freed; a rolling restart (SIGTERM,
 * start, one node after the other). At most {@code overlap} faults at once, never two on one node; each is healed by its own
 * thread after its duration, and {@link #run} returns only once all are healed. Every fault is
 * recorded with its times for the checker's reports and the timeline.
 */
public final class Nemesis {
  /** One fault: its kind, the node, when it began and ended (ns since the run's start). */
  public record Fault(String kind, int node, long startNs, long endNs) {
  }

  /** Cuts and heals the namespaced node's link. */
  public interface Link {
    void cut() throws Exception;

    void heal() throws Exception;
  }

  /** Fills and frees the disk of the node whose dataDir is on a small file system of its own. */
  public interface Disk {
    void fill() throws Exception;

    void free() throws Exception;
  }

  /** What this run can do beyond kills and pauses; -1 / null where it cannot. */
  public record Means(int isolatable, Link link, int smallDisk, Disk disk) {
  }

  private final ProcessCluster cluster;
  private final Random random;
  private final Means means;
  private final long t0;
  private final int overlap;
  private final Set<Integer> busy = Collections.synchronizedSet(new HashSet<>());
  private final List<Fault> faults = Collections.synchronizedList(new ArrayList<>());
  private final List<Thread> running = Collections.synchronizedList(new ArrayList<>());
  private final List<String> errors = Collections.synchronizedList(new ArrayList<>());

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
      if (busy.size() >= overlap) {
        continue;
      }
      int node = random.nextInt(cluster.size());
      int dice = random.nextInt(100);
      if (dice >= 95) {
        if (!rolling) {
          rolling = true;
          start("rolling-restart", -1, () -> rollingRestart());
        }
        continue;
      }
      if (!busy.add(node)) {
        continue;
      }
      String kind = dice < 20 ? "kill" : dice < 40 ? "pause-short" : dice < 60 ? "pause-long"
          : dice < 75 ? (node == means.isolatable() ? "isolate" : "pause-short")
          : node == means.smallDisk() ? "disk-full" : "kill";
      long durationMs = switch (kind) {
        case "kill" -> 1000 + random.nextInt(4000);
        case "pause-short" -> 200 + random.nextInt(1000);
        case "pause-long" -> 3000 + random.nextInt(4000);
        default -> 1000 + random.nextInt(5000);
      };
      start(kind, node, () -> fault(kind, node, durationMs));
    }
    for (Thread t : new ArrayList<>(running)) {
      t.join(60_000);
    }
  }

  private void start(String kind, int node, Runnable fault) {
    Thread t = new Thread(fault, "nemesis-" + kind + (node >= 0 ? "-node" + (node + 1) : ""));
    running.add(t);
    t.start();
  }

  /** Each node in turn, as an operator upgrading the cluster would: SIGTERM, start, wait until it answers. */
  private void rollingRestart() {
    for (int node = 0; node < cluster.size(); node++) {
      int n = node;
      try {
        Await.until("node" + (n + 1) + " free of other faults for its restart", Duration.ofSeconds(60), () -> busy.add(n));
      } catch (AssertionError e) {
        errors.add("rolling restart: " + e.getMessage());
        return;
      }
      long start = System.nanoTime() - t0;
      try {
        cluster.terminate(node);
        cluster.start(node);
      } catch (Exception | AssertionError e) {
        errors.add("rolling restart of node" + (node + 1) + ": " + e);
      } finally {
        faults.add(new Fault("restart", node, start, System.nanoTime() - t0));
        busy.remove(node);
      }
    }
  }

  private void fault(String kind, int node, long durationMs) {
    long start = System.nanoTime() - t0;
    try {
      switch (kind) {
        case "kill" -> {
          cluster.kill(node);
          Thread.sleep(durationMs);
          cluster.start(node);
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
          means.link().cut();
          Thread.sleep(durationMs);
          means.link().heal();
        }
      }
    } catch (Exception | AssertionError e) {
      errors.add(kind + " node" + (node + 1) + ": " + e);
    } finally {
      faults.add(new Fault(kind, node, start, System.nanoTime() - t0));
      busy.remove(node);
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
