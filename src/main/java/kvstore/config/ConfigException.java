package kvstore.config;

/** A configuration problem, with a one-line message that names the key or the cause. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
