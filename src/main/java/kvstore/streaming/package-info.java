/** Range movement when membership changes: which token ranges move where, and the row streams that move them. */
package kvstore.streaming;
