package kvstore.config;

/** One configuration key: its name, type, default (null when required) and what it means. */
public record ConfigKey(String name, Type type, Object defaultValue, String doc) {
  public enum Type { STRING, INT, LONG, BOOLEAN, STRING_LIST, CONSISTENCY }

  public boolean required() {
    return defaultValue == null;
  }

  /** The environment variable that overrides this key: grpcPort -> KV_GRPC_PORT. */
  public String envName() {
    return "KV_" + name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase();
  }
}
