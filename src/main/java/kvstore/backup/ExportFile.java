package kvstore.backup;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import kvstore.version.Versioned;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The export format (docs/operations.md): gzip of UTF-8 JSON lines. Line 1 is the header
 * {@code {"format":"kvstore-export","version":1,"cluster":...,"createdMs":...}}; then one row a line,
 * {@code {"k":key,"v":base64 value,"ver":version,"t":true for a tombstone,"x":expires_at_ms}}; the
 * last line {@code {"end":true,"rows":N,"sha256":...}} holds the SHA-256 of every line before it
 * (newlines included). gzip's CRC covers the bytes, the last line the rows: a damaged, cut or
 * edited file is refused, naming the line.
 */
public final class ExportFile {
  public static final String FORMAT = "kvstore-export";

  private ExportFile() {
  }

  /** Writes an export; {@link #close} adds the last line. */
  public static final class Writer implements AutoCloseable {
    private final BufferedWriter out;
    private final MessageDigest sha = sha256();
    private long rows;
    private boolean closed;

    public Writer(Path file, String cluster, long createdMs) throws IOException {
      OutputStream os = new GZIPOutputStream(Files.newOutputStream(file), 1 << 16);
      this.out = new BufferedWriter(new OutputStreamWriter(os, StandardCharsets.UTF_8), 1 << 16);
      line(new JsonObject().put("format", FORMAT).put("version", 1).put("cluster", cluster).put("createdMs", createdMs));
    }

    public void add(Versioned row) throws IOException {
      JsonObject j = new JsonObject().put("k", row.key()).put("ver", row.version());
      if (row.tombstone()) {
        j.put("t", true);
      } else {
        j.put("v", Base64.getEncoder().encodeToString(row.value()));
      }
      if (row.expiresAtMs() > 0) {
        j.put("x", row.expiresAtMs());
      }
      line(j);
      rows++;
    }

    public long rows() {
      return rows;
    }

    private void line(JsonObject j) throws IOException {
      String s = j.encode() + "\n";
      sha.update(s.getBytes(StandardCharsets.UTF_8));
      out.write(s);
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      out.write(new JsonObject().put("end", true).put("rows", rows).put("sha256", HexFormat.of().formatHex(sha.digest())).encode() + "\n");
      out.close();
    }
  }

  /** What a whole, verified file holds. */
  public record Summary(String cluster, long createdMs, long rows, String sha256) {
  }

  /**
   * Reads {@code file} from the start, handing each row from line {@code skipRows + 2} on to
   * {@code rows} (null: none, a verification pass); fails with {@link IllegalStateException}
   * naming the line when the file is damaged or not an export. Rows are handed over before the
   * end is checked: verify first, then import.
   */
  public static Summary read(Path file, long skipRows, Consumer<Versioned> rows) throws IOException {
    MessageDigest sha = sha256();
    long line = 0;
    try (InputStream in = new GZIPInputStream(Files.newInputStream(file), 1 << 16);
         BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16)) {
      String header = r.readLine();
      line = 1;
      JsonObject h = parse(header, line, file);
      if (!FORMAT.equals(h.getString("format")) || h.getInteger("version", 0) != 1) {
        throw new IllegalStateException(file + " is not a kvstore export (line 1 has no \"format\":\"" + FORMAT + "\", version 1)");
      }
      sha.update((header + "\n").getBytes(StandardCharsets.UTF_8));
      long count = 0;
      String s;
      while ((s = r.readLine()) != null) {
        line++;
        JsonObject j = parse(s, line, file);
        if (j.getBoolean("end", false)) {
          String expected = HexFormat.of().formatHex(sha.digest());
          if (j.getLong("rows", -1L) != count || !expected.equals(j.getString("sha256"))) {
            throw new IllegalStateException(file + " is damaged: its rows do not match the count and SHA-256 of its last line (line "
                + line + ")");
          }
          if (r.readLine() != null) {
            throw new IllegalStateException(file + " is damaged: lines after the last one (line " + (line + 1) + ")");
          }
          return new Summary(h.getString("cluster"), h.getLong("createdMs", 0L), count, expected);
        }
        sha.update((s + "\n").getBytes(StandardCharsets.UTF_8));
        Versioned row = row(j, line, file);
        if (rows != null && count >= skipRows) {
          rows.accept(row);
        }
        count++;
      }
      throw new IllegalStateException(file + " is cut short: no last line after line " + line + " (an export that did not finish?)");
    } catch (java.util.zip.ZipException | java.io.EOFException e) {
      throw new IllegalStateException(file + " is damaged after line " + line + ": " + e.getMessage());
    }
  }

  private static JsonObject parse(String s, long line, Path file) {
    if (s == null) {
      throw new IllegalStateException(file + " is empty");
    }
    try {
      return new JsonObject(s);
    } catch (DecodeException | ClassCastException e) {
      throw new IllegalStateException(file + " is damaged at line " + line + ": not a JSON object");
    }
  }

  private static Versioned row(JsonObject j, long line, Path file) {
    try {
      String key = j.getString("k");
      long version = j.getLong("ver");
      long expires = j.getLong("x", 0L);
      if (key == null || key.isEmpty() || version <= 0) {
        throw new IllegalArgumentException("no key or version");
      }
      if (j.getBoolean("t", false)) {
        return new Versioned(key, new byte[0], version, true, expires);
      }
      return new Versioned(key, Base64.getDecoder().decode(j.getString("v")), version, false, expires);
    } catch (RuntimeException e) {
      throw new IllegalStateException(file + " is damaged at line " + line + ": not a row (" + e.getMessage() + ")");
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
