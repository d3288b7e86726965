package kvstore.paxos;

/**
 * A Paxos ballot: a hybrid-logical time (the proposer's clock, so a later round on any node gets a
 * higher ballot once clocks have met) and the proposer's node id, which breaks ties between nodes
 * whose clocks read the same tick. {@link #NONE} is below every real ballot.
 */
public record Ballot(long micros, String node) implements Comparable<Ballot> {
  public static final Ballot NONE = new Ballot(0, "");

  public Ballot {
    if (node == null) {
      node = "";
    }
  }

  @Override
  public int compareTo(Ballot o) {
    int c = Long.compare(micros, o.micros);
    return c != 0 ? c : node.compareTo(o.node);
  }

  public boolean above(Ballot o) {
    return compareTo(o) > 0;
  }

  public static Ballot max(Ballot a, Ballot b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  @Override
  public String toString() {
    return micros + "/" + node;
  }
}
