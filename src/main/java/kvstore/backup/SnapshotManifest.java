package kvstore.backup;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a snapshot says of itself ({@code manifest.json} beside its files): whose data it is (node,
 * cluster, replication factor, vnodes, the node's tokens), when it was taken, how many rows and
 * bytes, and the size and SHA-256 of each file, so a restore can refuse another node's snapshot or
 * a damaged one before it touches anything.
 */
public record SnapshotManifest(String name, String nodeId, String clusterName, int replicationFactor, int vnodes, List<Long> tokens,
                               long createdMs, long rows, Map<String, FileSum> files) {
  public static final String FILE = "manifest.json";
  static final int FORMAT = 1;

  /** One file of the snapshot: its size and SHA-256 (hex). */
  public record FileSum(long bytes, String sha256) {
  }

  public long bytes() {
    return files.values().stream().mapToLong(FileSum::bytes).sum();
  }

  public JsonObject toJson() {
    JsonObject f = new JsonObject();
    files.forEach((n, s) -> f.put(n, new JsonObject().put("bytes", s.bytes()).put("sha256", s.sha256())));
    return new JsonObject().put("format", FORMAT).put("name", name).put("nodeId", nodeId).put("clusterName", clusterName)
        .put("replicationFactor", replicationFactor).put("vnodes", vnodes).put("tokens", new JsonArray(List.copyOf(tokens)))
        .put("createdMs", createdMs).put("rows", rows).put("files", f);
  }

  /** Reads a manifest; fails with a message that names the field when it is not one. */
  public static SnapshotManifest fromJson(JsonObject j) {
    try {
      if (j.getInteger("format", 0) != FORMAT) {
        throw new IllegalArgumentException("format " + j.getValue("format") + " is not " + FORMAT);
      }
      Map<String, FileSum> files = new LinkedHashMap<>();
      JsonObject f = j.getJsonObject("files");
      for (String n : f.fieldNames()) {
        JsonObject s = f.getJsonObject(n);
        if (n.contains("/") || n.contains("\\") || n.startsWith(".")) {
          throw new IllegalArgumentException("file name '" + n + "' is not a plain file name");
        }
        files.put(n, new FileSum(s.getLong("bytes"), s.getString("sha256")));
      }
      List<Long> tokens = j.getJsonArray("tokens").stream().map(t -> ((Number) t).longValue()).toList();
      return new SnapshotManifest(j.getString("name"), j.getString("nodeId"), j.getString("clusterName"), j.getInteger("replicationFactor"),
          j.getInteger("vnodes"), tokens, j.getLong("createdMs"), j.getLong("rows"), files);
    } catch (ClassCastException | NullPointerException e) {
      throw new IllegalArgumentException("a field is missing or of the wrong type");
    }
  }

  public static SnapshotManifest read(Path dir) throws IOException {
    Path p = dir.resolve(FILE);
    if (!Files.isRegularFile(p)) {
      throw new IOException("no " + FILE + " in " + dir);
    }
    try {
      return fromJson(new JsonObject(Files.readString(p)));
    } catch (RuntimeException e) {
      throw new IOException(p + " is not a snapshot manifest: " + e.getMessage());
    }
  }

  /** Null when every file in {@code dir} has the size and checksum recorded, else the first that does not. */
  public String damage(Path dir) throws IOException {
    for (Map.Entry<String, FileSum> e : files.entrySet()) {
      Path p = dir.resolve(e.getKey());
      if (!Files.isRegularFile(p)) {
        return e.getKey() + " is missing";
      }
      long size = Files.size(p);
      if (size != e.getValue().bytes()) {
        return e.getKey() + " has " + size + " bytes, the manifest says " + e.getValue().bytes();
      }
      if (!sha256(p).equals(e.getValue().sha256())) {
        return e.getKey() + " does not match its SHA-256 in the manifest (the file is damaged)";
      }
    }
    return null;
  }

  static String sha256(Path p) throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(p)) {
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
