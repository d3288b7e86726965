/** Node configuration: every key, its default and its validation in one place. */
package kvstore.config;
