package kvstore.security;

import java.nio.charset.StandardCharsets;

/**
 * The text of a gRPC status message as it goes in the {@code grpc-message} header: percent-encoded
 * only where the gRPC spec says ('%' and bytes outside printable ASCII), so that a client that
 * decodes with a URI decoder (grpc-js) and one that does not both read the words. Vert.x encodes
 * every reserved character, which grpc-js then shows as {@code %2C} and {@code %3A}.
 */
public final class GrpcMessageText {
  private GrpcMessageText() {
  }

  public static String encode(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c >= 0x20 && c <= 0x7e && c != '%') {
        out.append((char) c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16))).append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return out.toString();
  }
}
