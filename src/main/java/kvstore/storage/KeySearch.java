package kvstore.storage;

import io.vertx.sqlclient.Tuple;
import kvstore.ring.Ring;

import java.util.ArrayList;
import java.util.List;

/**
 * The condition that finds rows by key through the (token, key) index: {@code token IN (...) AND
 * key IN (...)}, tokens computed here. A row pairs a token with a key from the two lists only when
 * the token is that key's own, because every row stores its key's token, so the condition matches
 * exactly the rows of these keys.
 */
record KeySearch(String where, Tuple params) {
  static KeySearch of(List<String> keys) {
    List<Object> params = new ArrayList<>(keys.size() * 2);
    for (String k : keys) {
      params.add(Ring.token(k));
    }
    params.addAll(keys);
    String list = SqliteReader.placeholders(keys.size());
    return new KeySearch("token IN " + list + " AND key IN " + list, Tuple.wrap(params));
  }
}
