/** Anti-entropy: Merkle trees per token range, kept current by writes, compared with peers top-down; only differing rows move. */
package kvstore.repair;
