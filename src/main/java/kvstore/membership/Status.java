package kvstore.membership;

/** A member's state as one node sees it. */
public enum Status { UP, SUSPECT, DOWN, LEFT }
