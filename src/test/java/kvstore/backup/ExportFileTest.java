package kvstore.backup;

import kvstore.version.Versioned;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExportFileTest {
  @TempDir
  Path dir;

  private Path export(int rows) throws Exception {
    Path f = dir.resolve("x.kvexport");
    try (ExportFile.Writer w = new ExportFile.Writer(f, "c1", 1234)) {
      for (int i = 0; i < rows; i++) {
        w.add(i % 10 == 0 ? Versioned.tombstone("k" + i, 100 + i) : new Versioned("k" + i, ("v" + i).getBytes(), 100 + i, false, i % 3 == 0 ? 9_999 : 0));
      }
    }
    return f;
  }

  private static String text(Path f) throws Exception {
    try (InputStream in = new GZIPInputStream(Files.newInputStream(f))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static void write(Path f, String text) throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(b)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
    Files.write(f, b.toByteArray());
  }

  @Test
  void rowsComeBackWithTheirVersionsExpiriesAndTombstones() throws Exception {
    Path f = export(25);
    List<Versioned> rows = new ArrayList<>();
    ExportFile.Summary s = ExportFile.read(f, 0, rows::add);
    assertEquals(25, s.rows());
    assertEquals("c1", s.cluster());
    assertEquals(Versioned.tombstone("k0", 100).tombstone(), rows.get(0).tombstone());
    assertArrayEquals("v3".getBytes(), rows.get(3).value());
    assertEquals(9_999, rows.get(3).expiresAtMs());
    assertEquals(104, rows.get(4).version());
    List<Versioned> rest = new ArrayList<>();
    ExportFile.read(f, 20, rest::add);
    assertEquals(List.of("k20", "k21", "k22", "k23", "k24"), rest.stream().map(Versioned::key).toList());
  }

  @Test
  void anEditedRowIsCaughtByTheLastLine() throws Exception {
    Path f = export(25);
    write(f, text(f).replace("\"k7\"", "\"k8\""));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> ExportFile.read(f, 0, null));
    assertTrue(e.getMessage().contains("do not match the count and SHA-256 of its last line (line 27)"), e.getMessage());
  }

  @Test
  void aCutOrGarbledFileNamesTheLine() throws Exception {
    Path f = export(25);
    String t = text(f);
    write(f, t.substring(0, t.indexOf("{\"k\":\"k12\"")));
    IllegalStateException cut = assertThrows(IllegalStateException.class, () -> ExportFile.read(f, 0, null));
    assertTrue(cut.getMessage().contains("cut short: no last line after line 13"), cut.getMessage());
    write(f, t.substring(0, t.indexOf("{\"k\":\"k12\"") + 9));
    IllegalStateException half = assertThrows(IllegalStateException.class, () -> ExportFile.read(f, 0, null));
    assertTrue(half.getMessage().contains("damaged at line 14: not a JSON object"), half.getMessage());
    write(f, t.replace("{\"k\":\"k5\"", "{\"k\":\"k5"));
    IllegalStateException garbled = assertThrows(IllegalStateException.class, () -> ExportFile.read(f, 0, null));
    assertTrue(garbled.getMessage().contains("damaged at line 7: not a JSON object"), garbled.getMessage());
    byte[] b = Files.readAllBytes(export(25));
    b[b.length / 2] ^= 0x40;
    Files.write(f, b);
    IllegalStateException flipped = assertThrows(IllegalStateException.class, () -> ExportFile.read(f, 0, null));
    assertTrue(flipped.getMessage().contains("damaged"), flipped.getMessage());
  }
}
