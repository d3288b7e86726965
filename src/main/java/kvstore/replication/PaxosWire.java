package kvstore.replication;

import kvstore.paxos.Ballot;
import kvstore.paxos.PaxosAnswer;
import kvstore.paxos.PaxosCall;
import kvstore.replica.proto.ReplicaProto;
import kvstore.version.Versioned;

/** Paxos calls and answers to and from {@code kvreplica} messages. */
public final class PaxosWire {
  private PaxosWire() {
  }

  public static ReplicaProto.Ballot ballot(Ballot b) {
    return ReplicaProto.Ballot.newBuilder().setMicros(b.micros()).setNode(b.node()).build();
  }

  public static Ballot ballot(ReplicaProto.Ballot b) {
    return new Ballot(b.getMicros(), b.getNode());
  }

  public static ReplicaProto.PaxosCall call(PaxosCall c) {
    ReplicaProto.PaxosCall.Builder b = ReplicaProto.PaxosCall.newBuilder().setPhase(c.phase().wire).setKey(c.key()).setBallot(ballot(c.ballot()))
        .setOrigin(ballot(c.origin()));
    if (c.row() != null) {
      b.setRow(RemoteReplica.toRow(c.row(), true));
    }
    return b.build();
  }

  /** The call a peer sent; null when its phase is unknown. */
  public static PaxosCall call(ReplicaProto.PaxosCall c) {
    PaxosCall.Phase phase = PaxosCall.Phase.of(c.getPhase());
    if (phase == null) {
      return null;
    }
    return new PaxosCall(phase, c.getKey(), ballot(c.getBallot()), c.hasRow() ? RemoteReplica.fromRow(c.getRow()) : null,
        ballot(c.getOrigin()));
  }

  public static ReplicaProto.PaxosAnswer answer(PaxosAnswer a) {
    ReplicaProto.PaxosAnswer.Builder b = ReplicaProto.PaxosAnswer.newBuilder().setOk(a.ok()).setPromised(ballot(a.promised()))
        .setAccepted(ballot(a.accepted())).setCommitted(ballot(a.committed()))
        .setAcceptedOrigin(ballot(a.acceptedOrigin())).setCommittedOrigin(ballot(a.committedOrigin()));
    a.recentCommits().forEach(r -> b.addRecentCommits(ballot(r)));
    if (a.acceptedRow() != null) {
      b.setHasAccepted(true).setAcceptedRow(RemoteReplica.toRow(a.acceptedRow(), true));
    }
    if (a.current() != null) {
      b.setHasCurrent(true).setCurrent(RemoteReplica.toRow(a.current(), false));
    }
    return b.build();
  }

  public static PaxosAnswer answer(ReplicaProto.PaxosAnswer a) {
    Versioned accepted = a.getHasAccepted() ? RemoteReplica.fromRow(a.getAcceptedRow()) : null;
    Versioned current = a.getHasCurrent() ? RemoteReplica.fromRow(a.getCurrent()) : null;
    return new PaxosAnswer(a.getOk(), ballot(a.getPromised()), ballot(a.getAccepted()), accepted, ballot(a.getAcceptedOrigin()),
        ballot(a.getCommitted()), ballot(a.getCommittedOrigin()), a.getRecentCommitsList().stream().map(PaxosWire::ballot).toList(), current);
  }
}
