package kvstore.http;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Keys in the path: percent-decoded strictly into UTF-8, '+' kept, raw characters (a surrogate pair too) kept whole. */
class KeyRoutesTest {
  @Test
  void decodesPercentEscapesAndKeepsRawCharactersWhole() {
    assertEquals("a/b c+d", KeyRoutes.decode("a%2Fb%20c+d"));
    assertEquals("\uD83D\uDD11", KeyRoutes.decode("%F0%9F%94%91"));
    assertEquals("ключ-\uD83D\uDD11-x/y", KeyRoutes.decode("ключ-\uD83D\uDD11-x%2Fy"));
    assertThrows(IllegalArgumentException.class, () -> KeyRoutes.decode("bad%zz"));
    assertThrows(IllegalArgumentException.class, () -> KeyRoutes.decode("%C3%28"));
  }
}
