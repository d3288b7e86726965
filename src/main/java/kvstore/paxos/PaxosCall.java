package kvstore.paxos;

import kvstore.version.Versioned;

/**
 * One acceptor step asked of a replica: prepare (with a read of the key), propose a row, or commit
 * it. {@code origin}: the ballot the row was first proposed under (propose and commit; the
 * ballot itself unless this round finishes another's proposal); for a prepare, the proposer's
 * oldest proposal whose fate it wants to learn from the recent commits (NONE: none).
 */
public record PaxosCall(Phase phase, String key, Ballot ballot, Versioned row, Ballot origin) {
  public enum Phase {
    PREPARE(1), PROPOSE(2), COMMIT(3);

    public final int wire;

    Phase(int wire) {
      this.wire = wire;
    }

    /** The phase of a wire number, or null for an unknown one. */
    public static Phase of(int wire) {
      for (Phase p : values()) {
        if (p.wire == wire) {
          return p;
        }
      }
      return null;
    }
  }

  public static PaxosCall prepare(String key, Ballot ballot) {
    return prepare(key, ballot, Ballot.NONE);
  }

  public static PaxosCall prepare(String key, Ballot ballot, Ballot since) {
    return new PaxosCall(Phase.PREPARE, key, ballot, null, since);
  }

  public static PaxosCall propose(Ballot ballot, Versioned row, Ballot origin) {
    return new PaxosCall(Phase.PROPOSE, row.key(), ballot, row, origin);
  }

  public static PaxosCall commit(Ballot ballot, Versioned row, Ballot origin) {
    return new PaxosCall(Phase.COMMIT, row.key(), ballot, row, origin);
  }
}
