/**
 * The YCSB binding ({@code site.ycsb.DB}) over this store's gRPC API, {@link kvstore.ycsb.KvStoreClient},
 * so the standard YCSB client runs its workloads against a cluster ({@code src/bench/ycsb.sh}, which
 * runs the same workloads against Apache Cassandra through the CQL binding in src/bench/cassandra).
 */
package kvstore.ycsb;
