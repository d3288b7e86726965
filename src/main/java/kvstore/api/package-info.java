/** The gRPC services: the client API (kv.KeyValue) and the node-to-node Replica service. */
package kvstore.api;
