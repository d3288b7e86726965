package kvstore.storage;

/**
 * One page of the rows whose ring token lies in [first, last], in (token, key) order, after the
 * cursor (afterToken, afterKey); afterKey null starts at {@code first}. Paging by cursor keeps each
 * read short and lets a stream of pages run at its consumer's pace.
 */
public record TokenScan(long first, long last, long afterToken, String afterKey, int limit) {
  public TokenScan {
    if (first > last) {
      throw new IllegalArgumentException("token interval [" + first + ", " + last + "] is empty");
    }
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive");
    }
  }

  public static TokenScan from(long first, long last, int limit) {
    return new TokenScan(first, last, 0, null, limit);
  }

  public TokenScan after(long token, String key) {
    return new TokenScan(first, last, token, key, limit);
  }
}
