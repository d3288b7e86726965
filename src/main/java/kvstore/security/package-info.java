/** The trust boundary: the cluster CA's certificates, mutual TLS on the peer port, the certificates a node and kvctl present, connection caps. */
package kvstore.security;
