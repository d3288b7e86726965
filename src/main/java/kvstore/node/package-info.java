/** Wiring only: a node's verticles deployed in order, and the event-bus codecs they share. */
package kvstore.node;
