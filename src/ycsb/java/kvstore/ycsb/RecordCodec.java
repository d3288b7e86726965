package kvstore.ycsb;

import io.vertx.core.json.JsonObject;
import site.ycsb.ByteIterator;
import site.ycsb.StringByteIterator;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * A YCSB record's fields packed into one value: a JSON object of field name to value. YCSB's
 * generated values are printable ASCII, so they travel as the UTF-8 strings the client API takes.
 */
final class RecordCodec {
  private RecordCodec() {
  }

  static String encode(Map<String, ByteIterator> values) {
    JsonObject j = new JsonObject();
    values.forEach((k, v) -> j.put(k, v.toString()));
    return j.encode();
  }

  static Map<String, String> decode(String value) {
    Map<String, String> out = new HashMap<>();
    new JsonObject(value).forEach(e -> out.put(e.getKey(), String.valueOf(e.getValue())));
    return out;
  }

  /** The fields asked for ({@code fields} null: all) into YCSB's result map. */
  static void select(Map<String, String> record, Set<String> fields, Map<String, ByteIterator> result) {
    record.forEach((k, v) -> {
      if (fields == null || fields.contains(k)) {
        result.put(k, new StringByteIterator(v));
      }
    });
  }
}
