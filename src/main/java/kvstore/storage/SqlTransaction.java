package kvstore.storage;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;

import java.util.function.Function;

/**
 * A transaction opened and closed with SQL ({@code BEGIN IMMEDIATE} ... {@code COMMIT}) rather
 * than the client's {@code withTransaction}: that one turns JDBC autocommit off and leaves the
 * pooled connection so, and the writer also runs lone statements in autocommit, where a
 * connection left in a transaction would never commit them.
 */
final class SqlTransaction {
  private SqlTransaction() {
  }

  static <T> Future<T> run(Pool pool, Function<SqlConnection, Future<T>> work) {
    return pool.withConnection(conn -> conn.query("BEGIN IMMEDIATE").execute()
        .compose(begun -> work.apply(conn))
        .compose(result -> conn.query("COMMIT").execute().map(result))
        // a failed statement or COMMIT leaves the transaction open: end it before the connection is reused
        .recover(err -> conn.query("ROLLBACK").execute().transform(ignored -> Future.<T>failedFuture(err))));
  }
}
