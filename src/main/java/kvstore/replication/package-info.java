/** The coordinator: quorum writes and reads over the key's replicas, local or remote. */
package kvstore.replication;
