/** Anti-entropy: chunk digests compared with peers and differing chunks exchanged. */
package kvstore.repair;
