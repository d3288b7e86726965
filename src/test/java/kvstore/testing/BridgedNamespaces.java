package kvstore.testing;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One network namespace per node, all on one bridge in this host's namespace: the host (the test's
 * clients) reaches every node at all times, and any set of node pairs can be cut apart. A cut is a
 * blackhole route on each side of the pair, so neither sends the other a packet while both live on
 * and their clients still reach them: a partition among the nodes, as a broken switch or a
 * misconfigured firewall makes one. Needs root and iproute2; {@link #create} says why when it cannot.
 */
public final class BridgedNamespaces implements AutoCloseable {
  private final String name;
  private final int id;
  private final int count;
  private final String bridge;
  private final List<int[]> cut = new ArrayList<>();
  private boolean bridgeMade;

  /** {@code id} keeps concurrent runs apart (1..250); {@code count} namespaces, one per node. */
  public BridgedNamespaces(String name, int id, int count) {
    this.name = name;
    this.id = id;
    this.count = count;
    this.bridge = "kvb" + id;
  }

  public String hostIp() {
    return "10.232." + id + ".1";
  }

  public String ip(int node) {
    return "10.232." + id + "." + (node + 2);
  }

  private String ns(int node) {
    return name + id + "n" + node;
  }

  /** The command prefix that runs a process in node {@code node}'s namespace. */
  public List<String> prefix(int node) {
    return List.of("ip", "netns", "exec", ns(node));
  }

  public void create() throws IOException, InterruptedException {
    try {
      VethNamespace.run("ip", "link", "add", bridge, "type", "bridge");
      bridgeMade = true;
      VethNamespace.run("ip", "addr", "add", hostIp() + "/24", "dev", bridge);
      VethNamespace.run("ip", "link", "set", bridge, "up");
      for (int i = 0; i < count; i++) {
        String host = "kvb" + id + "h" + i;
        String inside = "kvb" + id + "n" + i;
        VethNamespace.run("ip", "netns", "add", ns(i));
        VethNamespace.run("ip", "link", "add", host, "type", "veth", "peer", "name", inside);
        VethNamespace.run("ip", "link", "set", inside, "netns", ns(i));
        VethNamespace.run("ip", "link", "set", host, "master", bridge);
        VethNamespace.run("ip", "link", "set", host, "up");
        VethNamespace.run("ip", "netns", "exec", ns(i), "ip", "addr", "add", ip(i) + "/24", "dev", inside);
        VethNamespace.run("ip", "netns", "exec", ns(i), "ip", "link", "set", inside, "up");
        VethNamespace.run("ip", "netns", "exec", ns(i), "ip", "link", "set", "lo", "up");
      }
    } catch (IOException | InterruptedException e) {
      close();
      throw e;
    }
  }

  /**
   * Cuts every pair of nodes on different sides apart; a node on no side keeps all its links (the
   * middle of a bridge partition is on both sides' lists).
   */
  public synchronized void partition(List<Set<Integer>> sides) throws IOException, InterruptedException {
    for (int a = 0; a < count; a++) {
      for (int b = a + 1; b < count; b++) {
        if (apart(sides, a, b)) {
          route("add", a, b);
          route("add", b, a);
          cut.add(new int[] {a, b});
        }
      }
    }
  }

  /** True when no side holds both a and b while a side holds each. */
  static boolean apart(List<Set<Integer>> sides, int a, int b) {
    boolean aPlaced = false;
    boolean bPlaced = false;
    for (Set<Integer> side : sides) {
      if (side.contains(a) && side.contains(b)) {
        return false;
      }
      aPlaced |= side.contains(a);
      bPlaced |= side.contains(b);
    }
    return aPlaced && bPlaced;
  }

  /** Every cut mended. */
  public synchronized void heal() throws IOException, InterruptedException {
    for (int[] pair : cut) {
      route("del", pair[0], pair[1]);
      route("del", pair[1], pair[0]);
    }
    cut.clear();
  }

  private void route(String verb, int from, int to) throws IOException, InterruptedException {
    VethNamespace.run("ip", "netns", "exec", ns(from), "ip", "route", verb, "blackhole", ip(to) + "/32");
  }

  @Override
  public void close() {
    for (int i = 0; i < count; i++) {
      try {
        VethNamespace.run("ip", "netns", "del", ns(i));
      } catch (IOException | InterruptedException ignored) {
        // not created
      }
      try {
        VethNamespace.run("ip", "link", "del", "kvb" + id + "h" + i);
      } catch (IOException | InterruptedException ignored) {
        // deleting the namespace already removed the pair
      }
    }
    if (bridgeMade) {
      try {
        VethNamespace.run("ip", "link", "del", bridge);
      } catch (IOException | InterruptedException ignored) {
        // already gone
      }
    }
  }
}
