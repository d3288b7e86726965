package kvstore.storage;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.jdbcclient.JDBCConnectOptions;
import io.vertx.jdbcclient.JDBCPool;
import io.vertx.jdbcclient.impl.actions.JDBCColumnDescriptor;
import io.vertx.jdbcclient.spi.JDBCColumnDescriptorProvider;
import io.vertx.jdbcclient.spi.JDBCDecoder;
import io.vertx.jdbcclient.spi.JDBCEncoder;
import io.vertx.jdbcclient.impl.actions.SQLValueProvider;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Tuple;

import java.sql.CallableStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Moves values between the Vert.x JDBC client and sqlite-jdbc as they are. The client's default
 * codec builds a column descriptor for every bound parameter and every cell it reads, asking the
 * driver for type metadata and trying to load a vendor type class that SQLite does not have (an
 * exception each time): profiled, that was a third of the writer thread's CPU. SQLite is dynamically
 * typed and this store only binds and reads TEXT, INTEGER and BLOB, which sqlite-jdbc already maps
 * to String, Integer/Long and byte[], so there is nothing to convert.
 */
public final class SqliteValues implements JDBCEncoder, JDBCDecoder {

  @Override
  public Object encode(JsonArray input, int pos, JDBCColumnDescriptorProvider provider) {
    return plain(input.getValue(pos - 1));
  }

  @Override
  public Object encode(Tuple input, int pos, JDBCColumnDescriptorProvider provider) {
    return plain(input.getValue(pos - 1));
  }

  @Override
  public Object parse(ResultSet rs, int pos, JDBCColumnDescriptorProvider jdbcTypeLookup) throws SQLException {
    return rs.getObject(pos);
  }

  @Override
  public Object parse(CallableStatement cs, int pos, JDBCColumnDescriptorProvider jdbcTypeLookup) throws SQLException {
    return cs.getObject(pos);
  }

  @Override
  public Object decode(JDBCColumnDescriptor descriptor, SQLValueProvider valueProvider) throws SQLException {
    return valueProvider.apply(null);
  }

  @Override
  public Object cast(Object value) {
    return value;
  }

  /**
   * A pool on the store's file whose statements bind and read values through this codec. Every
   * pool this store opens comes from here, so none pays for the default codec.
   */
  static Pool pool(Vertx vertx, String url, int connections, String name) {
    JsonObject codec = new JsonObject().put("encoderCls", SqliteValues.class.getName()).put("decoderCls", SqliteValues.class.getName());
    return JDBCPool.pool(vertx, new JDBCConnectOptions().setJdbcUrl(url).setExtraConfig(codec),
        new PoolOptions().setMaxSize(connections).setName(name));
  }

  private static Object plain(Object value) {
    // the default encoder would turn a Buffer into a java.sql.Blob, which sqlite-jdbc cannot create
    return value instanceof Buffer b ? b.getBytes() : value;
  }
}
