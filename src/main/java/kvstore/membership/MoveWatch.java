package kvstore.membership;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Whether a move that began was overtaken before it ended. Which move goes first is decided by
 * generation ({@link ActiveMove}), and a node with an older generation can be heard of late (it
 * started while cut off, say): from the moment a member hears of it, that member's coordinators send
 * the pending writes to the other move's ranges, not to this one's, so rows this move streamed
 * miss writes acknowledged meanwhile. A move watches every membership it sees (this node's and each
 * digest) from the moment all members agreed it goes first until it ends; once any shows another
 * move first, it must not finish on what it streamed. Plain Java.
 */
public final class MoveWatch {
  /** Mover id to the id of the move seen going first instead ("" while none was). */
  private final Map<String, String> watched = new HashMap<>();

  /** Watches the move of {@code mover} from now (again from scratch when it was watched already). */
  public void start(String mover) {
    watched.put(mover, "");
  }

  public void stop(String mover) {
    watched.remove(mover);
  }

  public boolean watching(String mover) {
    return watched.containsKey(mover);
  }

  /** One node's view of the members: a watched move it does not put first is overtaken. */
  public void see(Collection<Member> members) {
    if (watched.isEmpty()) {
      return;
    }
    ActiveMove.of(members).ifPresent(first -> watched.replaceAll((mover, by) ->
        by.isEmpty() && !first.nodeId().equals(mover) ? first.nodeId() : by));
  }

  /** The move that went first while {@code mover}'s was under way, or null. */
  public String overtakenBy(String mover) {
    String by = watched.get(mover);
    return by == null || by.isEmpty() ? null : by;
  }
}
