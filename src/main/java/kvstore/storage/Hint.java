package kvstore.storage;

import kvstore.version.Versioned;

/** A write owed to {@code target}, kept by a coordinator until the target acknowledges it (hinted handoff). */
public record Hint(long id, String target, Versioned row) {
}
