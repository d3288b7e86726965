package kvstore.campaign;

import kvstore.testing.ProcessCluster;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Faults from a seed, overlapping: kill -9 then restart; SIGSTOP/SIGCONT pauses shorter and longer
 * than the failure detector's timeout; the link of the node in a network namespace cut and healed.
 * At most {@code overlap} faults at once, never two on one node; each is healed by its own thread
 * after its duration, and {@link #run} returns only once all are healed. Every fault is recorded with its
 * times for the checker's reports and the timeline.
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

  private final ProcessCluster cluster;
  private final Random random;
  private final int isolatable;
  private final Link link;
  private final long t0;
  private final int overlap;
  private final Set<Integer> busy = Collections.synchronizedSet(new HashSet<>());
  private final List<Fault> faults = Collections.synchronizedList(new ArrayList<>());
  private final List<Thread> running = Collections.synchronizedList(new ArrayList<>());
  private final List<String> errors = Collections.synchronizedList(new ArrayList<>());

  /** {@code isolatable}: the node behind {@code link} (-1: none). */
  public Nemesis(ProcessCluster cluster, long seed, int isolatable, Link link, long t0, int overlap) {
    this.cluster = cluster;
    this.random = new Random(seed);
    this.isolatable = isolatable;
    this.link = link;
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
      if (!busy.add(node)) {
        continue;
      }
      int dice = random.nextInt(100);
      String kind = dice < 25 ? "kill" : dice < 50 ? "pause-short" : dice < 75 ? "pause-long" : node == isolatable ? "isolate" : "pause-short";
      long durationMs = switch (kind) {
        case "kill" -> 1000 + random.nextInt(4000);
        case "pause-short" -> 200 + random.nextInt(1000);
        case "pause-long" -> 3000 + random.nextInt(4000);
        default -> 1000 + random.nextInt(5000);
      };
      Thread t = new Thread(() -> fault(kind, node, durationMs), "nemesis-" + kind + "-node" + (node + 1));
      running.add(t);
      t.start();
    }
    for (Thread t : new ArrayList<>(running)) {
      t.join(60_000);
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
        case "pause-short", "pause-long" -> {
          cluster.pause(node);
          Thread.sleep(durationMs);
          cluster.resume(node);
        }
        default -> {
          link.cut();
          Thread.sleep(durationMs);
          link.heal();
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
