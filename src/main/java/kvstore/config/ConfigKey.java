package kvstore.config;

import io.vertx.core.json.JsonArray;
import kvstore.quorum.Consistency;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * One configuration key, declared once: its name, type, default (null when required), what it
 * means, and the check its value must pass. {@link NodeConfig} lists them all; the README's
 * configuration table is checked against that list.
 */
public final class ConfigKey<T> {
  /** How a value is read from JSON and from an environment variable. */
  public enum Type { STRING, INT, LONG, BOOLEAN, STRING_LIST, CONSISTENCY }

  private final String name;
  private final Type type;
  private final T defaultValue;
  private final String doc;
  private final Function<T, String> check;

  private ConfigKey(String name, Type type, T defaultValue, String doc, Function<T, String> check) {
    this.name = name;
    this.type = type;
    this.defaultValue = defaultValue;
    this.doc = doc;
    this.check = check;
  }

  /** A whole number within {@code min..max}; max = Integer.MAX_VALUE for "at least min". */
  public static ConfigKey<Integer> integer(String name, Integer dflt, int min, int max, String doc) {
    return new ConfigKey<>(name, Type.INT, dflt, doc, v -> v >= min && v <= max ? null : range(min, max, v));
  }

  public static ConfigKey<Integer> port(String name, String doc) {
    return new ConfigKey<>(name, Type.INT, null, doc, v -> v >= 1 && v <= 65535 ? null : "must be a port 1..65535, got " + v);
  }

  public static ConfigKey<Long> longInt(String name, long dflt, long min, long max, String doc) {
    return new ConfigKey<>(name, Type.LONG, dflt, doc, v -> v >= min && v <= max ? null : range(min, max, v));
  }

  public static ConfigKey<Boolean> bool(String name, boolean dflt, String doc) {
    return new ConfigKey<>(name, Type.BOOLEAN, dflt, doc, v -> null);
  }

  /** A string; {@code check} answers the problem with a value, or null when it is fine. */
  public static ConfigKey<String> string(String name, String dflt, String doc, Function<String, String> check) {
    return new ConfigKey<>(name, Type.STRING, dflt, doc, check);
  }

  /** One of the given words, compared after upper-casing (so "info" is INFO). */
  public static ConfigKey<String> oneOf(String name, String dflt, List<String> allowed, String doc) {
    return new ConfigKey<>(name, Type.STRING, dflt, doc, v -> allowed.contains(v.toUpperCase(java.util.Locale.ROOT)) ? null
        : "must be " + (allowed.size() == 2 ? allowed.get(0) + " or " + allowed.get(1) : "one of " + String.join(", ", allowed)) + ", got " + v);
  }

  public static ConfigKey<List<String>> strings(String name, String doc, Function<String, String> eachCheck) {
    return new ConfigKey<>(name, Type.STRING_LIST, List.of(), doc, list -> {
      for (String s : list) {
        String problem = eachCheck.apply(s);
        if (problem != null) {
          return problem;
        }
      }
      return null;
    });
  }

  public static ConfigKey<Consistency> consistency(String name, Consistency dflt, String doc) {
    return new ConfigKey<>(name, Type.CONSISTENCY, dflt, doc, v -> null);
  }

  private static String range(long min, long max, long v) {
    return (max == Integer.MAX_VALUE || max == Long.MAX_VALUE ? "must be >= " + min : "must be " + min + ".." + max) + ", got " + v;
  }

  public String name() {
    return name;
  }

  public Type type() {
    return type;
  }

  public T defaultValue() {
    return defaultValue;
  }

  public String doc() {
    return doc;
  }

  public boolean required() {
    return defaultValue == null;
  }

  /** The environment variable that overrides this key: grpcPort -> KV_GRPC_PORT. */
  public String envName() {
    return envName(name);
  }

  public static String envName(String key) {
    return "KV_" + key.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase();
  }

  /** The problem with {@code v} for this key, or null. */
  String problem(Object v) {
    @SuppressWarnings("unchecked")
    T typed = (T) v;
    return check.apply(typed);
  }

  /** A JSON value as this key's type; throws ConfigException naming the key and what was wrong. */
  Object fromJson(Object v, String where) {
    String bad = where + " '" + name + "' must be ";
    switch (type) {
      case STRING:
        if (v instanceof String s) {
          return s;
        }
        throw new ConfigException(bad + "a string, got " + describe(v));
      case INT:
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
            && n.doubleValue() >= Integer.MIN_VALUE && n.doubleValue() <= Integer.MAX_VALUE) {
          return n.intValue();
        }
        throw new ConfigException(bad + "an integer, got " + describe(v));
      case LONG:
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && Math.abs(n.doubleValue()) < 9e18) {
          return n.longValue();
        }
        throw new ConfigException(bad + "an integer, got " + describe(v));
      case BOOLEAN:
        if (v instanceof Boolean b) {
          return b;
        }
        throw new ConfigException(bad + "true or false, got " + describe(v));
      case STRING_LIST:
        if (v instanceof JsonArray arr) {
          List<String> out = new ArrayList<>();
          for (Object o : arr) {
            if (!(o instanceof String s)) {
              throw new ConfigException(bad + "an array of strings, got element " + describe(o));
            }
            out.add(s);
          }
          return List.copyOf(out);
        }
        throw new ConfigException(bad + "an array of \"host:port\" strings, got " + describe(v));
      case CONSISTENCY:
        if (v instanceof String s) {
          try {
            return Consistency.valueOf(s);
          } catch (IllegalArgumentException e) {
            // fall through to the error below
          }
        }
        throw new ConfigException(bad + "ONE, QUORUM or ALL, got " + describe(v));
      default:
        throw new IllegalStateException(type.toString());
    }
  }

  /** An environment variable's text as this key's type. */
  Object fromEnv(String raw) {
    String where = "env " + envName() + " for";
    switch (type) {
      case INT:
      case LONG:
        try {
          long n = Long.parseLong(raw.trim());
          if (type == Type.INT && (n < Integer.MIN_VALUE || n > Integer.MAX_VALUE)) {
            throw new NumberFormatException();
          }
          return type == Type.INT ? (Object) (int) n : (Object) n;
        } catch (NumberFormatException e) {
          throw new ConfigException(where + " '" + name + "' must be an integer, got \"" + raw + "\"");
        }
      case BOOLEAN:
        if (raw.equalsIgnoreCase("true") || raw.equalsIgnoreCase("false")) {
          return Boolean.parseBoolean(raw);
        }
        throw new ConfigException(where + " '" + name + "' must be true or false, got \"" + raw + "\"");
      case STRING_LIST:
        List<String> out = new ArrayList<>();
        for (String s : raw.split(",")) {
          if (!s.isBlank()) {
            out.add(s.trim());
          }
        }
        return List.copyOf(out);
      default:
        return fromJson(raw.trim(), where);
    }
  }

  private static String describe(Object v) {
    if (v == null) {
      return "null";
    }
    return v instanceof String ? "\"" + v + "\"" : v.toString();
  }
}
