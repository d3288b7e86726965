/** Prometheus metrics of a node (Micrometer): RPCs, replication, hints, repair, gossip, storage, event-loop lag. */
package kvstore.metrics;
