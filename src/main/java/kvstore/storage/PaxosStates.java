package kvstore.storage;

import kvstore.paxos.AcceptorState;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Paxos state of recently used keys, as the {@code paxos} table holds it, kept by the single
 * writer (the only one that changes the table, so it never goes stale). A key's state is put here
 * when a step computes it, before its group commits; a group that fails forgets the keys it
 * touched, so the next step reads them from the table again. Used from the writer's context only.
 */
final class PaxosStates {
  private final Map<String, AcceptorState> states;

  PaxosStates(int capacity) {
    this.states = new LinkedHashMap<>(256, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, AcceptorState> eldest) {
        return size() > capacity;
      }
    };
  }

  AcceptorState get(String key) {
    return states.get(key);
  }

  void put(String key, AcceptorState state) {
    states.put(key, state);
  }

  void forget(Collection<String> keys) {
    keys.forEach(states::remove);
  }

  /** After a prune: the table no longer holds what was cached. */
  void clear() {
    states.clear();
  }
}
