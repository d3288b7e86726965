/** Versions and the hybrid logical clock that stamps them; last-write-wins ordering. */
package kvstore.version;
