package kvstore.membership;

import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;

/**
 * One change to the ring at a time: of the members announcing JOINING or LEAVING, only the one that
 * announced first (lowest generation, then id) moves now; the others wait, in neither the future
 * ring nor the pending writes. Every node that knows the same members picks the same one, so all
 * coordinators agree on which ranges are pending without talking.
 */
public final class ActiveMove {
  private ActiveMove() {
  }

  public static Optional<Member> of(Collection<Member> members) {
    return members.stream()
        .filter(m -> m.status() != Status.LEFT && (m.state() == RingState.JOINING || m.state() == RingState.LEAVING))
        .min(Comparator.comparingLong(Member::generation).thenComparing(Member::nodeId));
  }
}
