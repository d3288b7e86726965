/**
 * Compare-and-set by Paxos among a key's replicas, as pure logic: ballots, an acceptor's state and
 * its three steps ({@link kvstore.paxos.Acceptor}), what a proposer concludes from a quorum of
 * promises ({@link kvstore.paxos.Promises}), and the conditions a client can set
 * ({@link kvstore.paxos.CasCondition}). No Vert.x and no I/O: the storage keeps the state durably,
 * the replication package runs the rounds over the network.
 */
package kvstore.paxos;
