package kvstore.ycsb;

import com.datastax.oss.driver.api.core.CqlSession;

import java.net.InetSocketAddress;
import java.time.Duration;

/** Creates YCSB's keyspace (RF 3) and table on the benchmark's Cassandra cluster: {@code CqlSchema host:port}. */
public final class CqlSchema {
  private CqlSchema() {
  }

  public static void main(String[] args) {
    String[] hp = args[0].split(":");
    try (CqlSession s = CqlSession.builder().addContactPoint(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])))
        .withLocalDatacenter("datacenter1").build()) {
      s.execute("CREATE KEYSPACE IF NOT EXISTS ycsb WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
      StringBuilder cols = new StringBuilder();
      for (int i = 0; i < 10; i++) {
        cols.append(", field").append(i).append(" text");
      }
      s.execute(com.datastax.oss.driver.api.core.cql.SimpleStatement.newInstance(
          "CREATE TABLE IF NOT EXISTS ycsb.usertable (y_id text PRIMARY KEY" + cols + ")").setTimeout(Duration.ofSeconds(60)));
      System.out.println("keyspace ycsb (RF 3) and table usertable ready");
    }
  }
}
