/** Consistent hashing with virtual nodes: tokens, the ring and a key's preference list. */
package kvstore.ring;
