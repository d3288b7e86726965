package kvstore.storage;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A JDBC connection that keeps its prepared statements. The Vert.x JDBC client prepares each
 * statement it runs afresh and closes it afterwards; for SQLite that is a parse and a query plan
 * every time, and a multi-row upsert has hundreds of parameters: keeping them cut the storage
 * writer's CPU per row by 15-25% ({@code kvstore.experiments.StoragePutRate}, README). Here a statement the client closes is only reset, and the next {@code
 * prepareStatement} of the same SQL text gets it back. At most {@code capacity} are kept, the least
 * recently used closed first.
 *
 * <p>The client runs a connection's statements one at a time, so a statement is normally free when
 * asked for again; if it is not, the caller gets a fresh one that is really closed after use.
 */
final class KeptStatements {
  private final Connection real;
  private final Map<String, Kept> kept;

  private KeptStatements(Connection real, int capacity) {
    this.real = real;
    this.kept = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Kept> eldest) {
        if (size() <= capacity) {
          return false;
        }
        eldest.getValue().evict();
        return true;
      }
    };
  }

  static Connection wrap(Connection real, int capacity) {
    KeptStatements k = new KeptStatements(real, capacity);
    return (Connection) Proxy.newProxyInstance(KeptStatements.class.getClassLoader(), new Class<?>[] {Connection.class},
        (proxy, method, args) -> k.onConnection(method, args));
  }

  private synchronized Object onConnection(Method method, Object[] args) throws Throwable {
    if (method.getName().equals("prepareStatement") && args.length == 1) {
      return prepare((String) args[0]);
    }
    if (method.getName().equals("close")) {
      List<Kept> all = new ArrayList<>(kept.values());
      kept.clear();
      for (Kept k : all) {
        k.evict();
      }
    }
    return forward(real, method, args);
  }

  private PreparedStatement prepare(String sql) throws SQLException {
    Kept k = kept.get(sql);
    if (k == null) {
      k = new Kept(real.prepareStatement(sql));
      kept.put(sql, k);
    } else if (k.inUse) {
      return real.prepareStatement(sql);
    }
    k.inUse = true;
    return k.proxy;
  }

  private static Object forward(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  /** One kept statement; its proxy's close() hands it back instead of closing it. */
  private final class Kept implements InvocationHandler {
    final PreparedStatement statement;
    final PreparedStatement proxy;
    boolean inUse;
    boolean evicted;

    Kept(PreparedStatement statement) {
      this.statement = statement;
      this.proxy = (PreparedStatement) Proxy.newProxyInstance(KeptStatements.class.getClassLoader(),
          new Class<?>[] {PreparedStatement.class}, this);
    }

    @Override
    public Object invoke(Object p, Method method, Object[] args) throws Throwable {
      if (!method.getName().equals("close")) {
        return forward(statement, method, args);
      }
      synchronized (KeptStatements.this) {
        inUse = false;
        if (evicted) {
          statement.close();
        } else {
          // a failed batch or an unread result must not leak into the next use
          statement.clearBatch();
          statement.clearParameters();
        }
      }
      return null;
    }

    /** Out of the cache: closed now, or by its user's close() if it is in use. */
    void evict() {
      evicted = true;
      if (!inUse) {
        try {
          statement.close();
        } catch (SQLException ignored) {
          // closing a statement SQLite already finalized; nothing to free
        }
      }
    }
  }
}
