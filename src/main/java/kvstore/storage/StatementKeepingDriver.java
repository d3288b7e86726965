package kvstore.storage;

import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.logging.Logger;

/**
 * A JDBC driver for {@code jdbc:kv-sqlite:} URLs: sqlite-jdbc connections wrapped by
 * {@link KeptStatements}. Registered with DriverManager, it lets the Vert.x JDBC client's public
 * {@code JDBCPool.pool(vertx, connectOptions, poolOptions)} open the store's connections (with the
 * value codec of the connect options), where a hand-made connection factory would need the
 * client's internal pool class.
 */
final class StatementKeepingDriver implements Driver {
  private static final String PREFIX = "jdbc:kv-sqlite:";
  private static final StatementKeepingDriver INSTANCE = new StatementKeepingDriver();
  private static volatile boolean registered;
  private volatile int keep;

  private StatementKeepingDriver() {
  }

  /** The {@code jdbc:sqlite:} URL as one of this driver's, whose connections keep up to {@code keep} statements. */
  static synchronized String url(String sqliteUrl, int keep) {
    if (!sqliteUrl.startsWith("jdbc:sqlite:")) {
      throw new IllegalArgumentException("not a sqlite-jdbc URL: " + sqliteUrl);
    }
    INSTANCE.keep = keep;
    if (!registered) {
      try {
        DriverManager.registerDriver(INSTANCE);
      } catch (SQLException e) {
        throw new IllegalStateException("cannot register the JDBC driver: " + e.getMessage(), e);
      }
      registered = true;
    }
    return PREFIX + sqliteUrl.substring("jdbc:sqlite:".length());
  }

  @Override
  public Connection connect(String url, Properties info) throws SQLException {
    if (!acceptsURL(url)) {
      return null; // DriverManager asks every driver; the others' URLs are not ours
    }
    return KeptStatements.wrap(DriverManager.getConnection("jdbc:sqlite:" + url.substring(PREFIX.length()), info), keep);
  }

  @Override
  public boolean acceptsURL(String url) {
    return url != null && url.startsWith(PREFIX);
  }

  @Override
  public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) {
    return new DriverPropertyInfo[0];
  }

  @Override
  public int getMajorVersion() {
    return 1;
  }

  @Override
  public int getMinorVersion() {
    return 0;
  }

  @Override
  public boolean jdbcCompliant() {
    return false;
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException("no java.util.logging here");
  }
}
