/** Wiring: the verticle that validates config and deploys a node's verticles. */
package kvstore.node;
