/** Consistency levels and how many replicas each needs. */
package kvstore.quorum;
