/** Gossip membership: the digest, its merge rule and the gossip verticle. */
package kvstore.membership;
