package kvstore.ycsb;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DriverException;
import com.datastax.oss.driver.api.core.cql.BoundStatementBuilder;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.servererrors.QueryConsistencyException;
import com.datastax.oss.driver.api.core.servererrors.UnavailableException;
import site.ycsb.ByteIterator;
import site.ycsb.DB;
import site.ycsb.DBException;
import site.ycsb.Status;
import site.ycsb.StringByteIterator;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.Vector;
import java.util.concurrent.ConcurrentHashMap;

/**
 * YCSB over Apache Cassandra's CQL with the DataStax Java driver 4, for the side-by-side runs of
 * {@code src/bench/ycsb.sh}: table {@code ycsb.usertable (y_id text PRIMARY KEY, field0..fieldN text)},
 * prepared statements, one session per JVM. Properties: {@code cql.hosts} (host:port,...),
 * {@code cql.datacenter} (datacenter1), {@code cql.consistency} (QUORUM), {@code cql.lwt} (default false; true makes every
 * update a lightweight transaction, a read at SERIAL and an {@code UPDATE ... IF}). Updates write only the
 * fields given (CQL updates columns in place); scans are NOT_IMPLEMENTED, as for kvstore.
 */
public final class CqlClient extends DB {
  private static final Object LOCK = new Object();
  private static CqlSession session;
  private static int clients;
  private static final Map<String, PreparedStatement> PREPARED = new ConcurrentHashMap<>();

  private ConsistencyLevel consistency;
  private boolean lwt;
  private static final int LWT_TRIES = 10;

  @Override
  public void init() throws DBException {
    Properties p = getProperties();
    consistency = switch (p.getProperty("cql.consistency", "QUORUM")) {
      case "ONE" -> ConsistencyLevel.ONE;
      case "ALL" -> ConsistencyLevel.ALL;
      default -> ConsistencyLevel.QUORUM;
    };
    lwt = Boolean.parseBoolean(p.getProperty("cql.lwt", "false"));
    synchronized (LOCK) {
      if (session == null) {
        List<InetSocketAddress> hosts = new ArrayList<>();
        for (String h : p.getProperty("cql.hosts", "127.0.0.1:9042").split(",")) {
          int colon = h.lastIndexOf(':');
          hosts.add(new InetSocketAddress(h.substring(0, colon).trim(), Integer.parseInt(h.substring(colon + 1).trim())));
        }
        try {
          session = CqlSession.builder().addContactPoints(hosts).withLocalDatacenter(p.getProperty("cql.datacenter", "datacenter1"))
              .withKeyspace("ycsb").build();
        } catch (DriverException e) {
          throw new DBException("cannot connect to Cassandra at " + hosts + ": " + e.getMessage());
        }
      }
      clients++;
    }
  }

  @Override
  public void cleanup() {
    synchronized (LOCK) {
      if (--clients == 0 && session != null) {
        session.close();
        session = null;
        PREPARED.clear();
      }
    }
  }

  private PreparedStatement prepare(String cql) {
    return PREPARED.computeIfAbsent(cql, session::prepare);
  }

  private static Status status(DriverException e) {
    if (e instanceof UnavailableException || e instanceof QueryConsistencyException) {
      return Status.SERVICE_UNAVAILABLE;
    }
    return Status.ERROR;
  }

  @Override
  public Status read(String table, String key, Set<String> fields, Map<String, ByteIterator> result) {
    try {
      String cols = fields == null ? "*" : String.join(", ", new java.util.TreeSet<>(fields));
      Row row = session.execute(prepare("SELECT " + cols + " FROM " + table + " WHERE y_id = ?").bind(key)
          .setConsistencyLevel(consistency)).one();
      if (row == null) {
        return Status.NOT_FOUND;
      }
      row.getColumnDefinitions().forEach(d -> {
        String name = d.getName().asInternal();
        if (!name.equals("y_id")) {
          String v = row.getString(d.getName());
          if (v != null) {
            result.put(name, new StringByteIterator(v));
          }
        }
      });
      return Status.OK;
    } catch (DriverException e) {
      return status(e);
    }
  }

  @Override
  public Status scan(String table, String startkey, int recordcount, Set<String> fields, Vector<HashMap<String, ByteIterator>> result) {
    return Status.NOT_IMPLEMENTED;
  }

  private Status write(String table, String key, Map<String, ByteIterator> values) {
    try {
      Map<String, ByteIterator> sorted = new TreeMap<>(values);
      String cols = String.join(", ", sorted.keySet());
      String marks = String.join(", ", java.util.Collections.nCopies(sorted.size(), "?"));
      BoundStatementBuilder b = prepare("INSERT INTO " + table + " (y_id, " + cols + ") VALUES (?, " + marks + ")").boundStatementBuilder();
      b.setString(0, key);
      int i = 1;
      for (ByteIterator v : sorted.values()) {
        b.setString(i++, v.toString());
      }
      session.execute(b.setConsistencyLevel(consistency).build());
      return Status.OK;
    } catch (DriverException e) {
      return status(e);
    }
  }

  @Override
  public Status update(String table, String key, Map<String, ByteIterator> values) {
    return lwt ? lwtUpdate(table, key, values) : write(table, key, values);
  }

  /**
   * A lightweight transaction, as kvstore.cas=true does ours: the fields read at SERIAL, then
   * {@code UPDATE ... IF} each of them still holds what was read; again when another update won.
   */
  private Status lwtUpdate(String table, String key, Map<String, ByteIterator> values) {
    try {
      Map<String, ByteIterator> sorted = new TreeMap<>(values);
      String cols = String.join(", ", sorted.keySet());
      String sets = String.join(", ", sorted.keySet().stream().map(f -> f + " = ?").toList());
      String ifs = String.join(" AND ", sorted.keySet().stream().map(f -> f + " = ?").toList());
      for (int attempt = 0; attempt < LWT_TRIES; attempt++) {
        Row now = session.execute(prepare("SELECT " + cols + " FROM " + table + " WHERE y_id = ?").bind(key)
            .setConsistencyLevel(ConsistencyLevel.SERIAL)).one();
        if (now == null) {
          return Status.NOT_FOUND;
        }
        BoundStatementBuilder b = prepare("UPDATE " + table + " SET " + sets + " WHERE y_id = ? IF " + ifs).boundStatementBuilder();
        int i = 0;
        for (ByteIterator v : sorted.values()) {
          b.setString(i++, v.toString());
        }
        b.setString(i++, key);
        for (String f : sorted.keySet()) {
          b.setString(i++, now.getString(f));
        }
        if (session.execute(b.setConsistencyLevel(consistency).setSerialConsistencyLevel(ConsistencyLevel.SERIAL).build()).wasApplied()) {
          return Status.OK;
        }
      }
      return new Status("CONTENDED", "another update won " + LWT_TRIES + " times in a row");
    } catch (DriverException e) {
      return status(e);
    }
  }

  @Override
  public Status insert(String table, String key, Map<String, ByteIterator> values) {
    return write(table, key, values);
  }

  @Override
  public Status delete(String table, String key) {
    try {
      session.execute(prepare("DELETE FROM " + table + " WHERE y_id = ?").bind(key).setConsistencyLevel(consistency));
      return Status.OK;
    } catch (DriverException e) {
      return status(e);
    }
  }
}
